"""Run the console blocks of the pages and compare what they show with what really happens.

``blocks`` splits a console block into commands and the output shown under each,
``matching`` compares shown and real output through the documented placeholders,
``sandbox`` runs a page's commands in order in one temporary project directory,
``report`` writes ``_build/exec-report.json``. ``python -m docexec`` runs pages.
"""
