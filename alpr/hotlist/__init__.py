"""Hot lists: the plates a department is looking for, imported from NCIC-style extracts and
CSV files or entered by hand under policy IV.D, each load kept as a version.
"""
