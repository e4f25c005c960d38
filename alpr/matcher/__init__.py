"""The hot-list matcher: pure functions and an in-memory index that find every listed plate a
read may be, tolerant of OCR look-alikes, one missing or extra character, and partial plates.
"""
