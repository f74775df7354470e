"""docplan: keep a documentation section true to its plan.

The plan (a YAML file) lists every page of a section with its content type,
job to be done, phase and place in the toctree. docplan checks the pages
against it, as a Sphinx extension (``docplan.sphinx_ext``) on every build and
as a command-line tool (``docplan``, or ``python -m docplan``) without Sphinx.

Modules, one job each:

- ``model``: the plain data model (plan, pages, findings);
- ``parsing``: YAML plan file to model, errors located in the file;
- ``pages``: what a Markdown page says (front matter, headings, toctrees);
- ``checks``: the site checks, pure functions from plan and pages to findings;
- ``subtypes``: the table of finding kinds, each with a description;
- ``report``: the content-type matrix and phase status;
- ``scaffold``: new pages from their template;
- ``sphinx_ext``: the Sphinx hooks, and nothing else;
- ``config``: the settings and their defaults, read by both front ends;
- ``cli``: the command-line front end.
"""


def __getattr__(name: str) -> str:
    """``__version__``, read when asked for: importlib.metadata takes a tenth of the
    command's start-up, and only the Sphinx extension needs the version."""
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        # The project's version, from pyproject.toml through the installed package's metadata.
        return version("nemo-gym-training-docs")
    except PackageNotFoundError:  # imported from a source tree that was never installed
        return "0+unknown"
