"""Versions of a method at run time: which equations and which annex set apply to a project
(resolver.py, method section 1.8 and Annexe 2), and the effect of a new version on results
(effects.py, used by `carbonspec diff`)."""
