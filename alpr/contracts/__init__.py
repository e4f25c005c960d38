"""Data contracts: Great Expectations suites (defined in code in ``data_contracts/``) run
where data enters the workbench. Bad rows are reported with examples and, where the contract
allows, the good rows are kept; a broken dataset-level rule refuses the whole set.

Great Expectations is imported only when a contract runs (it takes seconds to import).
"""
