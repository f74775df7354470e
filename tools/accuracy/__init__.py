"""accuracy: check what the docs say about NeMo Gym against the released source.

- ``source``: facts read from the unpacked wheel with ``ast`` (commands, flags,
  config fields, messages, module names);
- ``blocks``: the checkable parts of a page (code blocks, tables, markers);
- ``checks``: the checks, from a page and the facts to located findings;
- ``cli``: the ``docs-accuracy`` command (``check``, ``facts``, ``upgrade-review``).
"""
