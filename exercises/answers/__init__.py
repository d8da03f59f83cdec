"""SPOILERS: the answers to every notebook's exercises, one module per notebook. Try first; .hint() helps.

Each `nbNN.py` here holds the reference solutions of notebook NN's exercises and the wrong answers
their checks must reject, each with the mistake it stands for. The checks in `exercises/nbNN.py`
import them; `ex.qN.solution()` prints one reference solution when you ask for it.
"""
