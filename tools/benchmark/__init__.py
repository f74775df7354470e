"""Build, rebuild, check and live-preview performance, and page weight; ``make bench``.

Modules, one job each:

- ``runner``: run Sphinx and ``docplan check`` and time them (wall clock and CPU);
- ``real_site``: the figures for the real site, on a temporary copy of it;
- ``synthetic``: write a synthetic site of any size with a plan to match;
- ``scale``: the docplan figures on synthetic sites of 500 and 2,000 pages;
- ``__main__``: run them all, print the table with budgets, write ``_build/bench.json``.
"""
