"""The one exception hierarchy of bulletin.

Every failure a user can cause or meet is one of these; the CLI prints ``str(error)`` on one
line and exits non-zero, so messages are written for people, in plain words::

    BulletinError
    ├── ArticleError        the article cannot be read (missing, a folder, empty, binary, …)
    ├── ScriptError         an edited script cannot be rendered (bad JSON, unknown voice, …)
    ├── OutputError         the output cannot be written (folder missing, not writable, …)
    ├── EngineError         a speech engine failed
    │   ├── EngineUnavailable   the engine cannot run here (no network, library missing)
    │   └── UnknownVoiceError   a voice or engine name that does not exist
    ├── AudioError          decoding, mixing or encoding failed (ffmpeg)
    ├── ConfigError         a setting, or a file an option names, cannot be used
    │   └── OptionError     an option's value is not one bulletin takes (exit code 2, as for
    │                       a misspelt option: the command line itself is wrong)
    └── Interrupted         a job was asked to stop (a batch's interrupt) and unwound cleanly
"""

from __future__ import annotations


class BulletinError(Exception):
    """Base of every error bulletin raises on purpose."""


class ArticleError(BulletinError):
    """The article cannot be read or holds nothing to say."""


class ScriptError(BulletinError):
    """A script given to ``bulletin render`` (or the studio) is not one bulletin can speak."""


class OutputError(BulletinError):
    """The bulletin or one of its sidecars cannot be written."""


class EngineError(BulletinError):
    """A speech engine failed to synthesise."""


class EngineUnavailable(EngineError):
    """The engine cannot run on this machine right now."""


class UnknownVoiceError(EngineError):
    """A voice or engine name that is not known."""


class AudioError(BulletinError):
    """Audio could not be decoded, mixed or encoded."""


class ConfigError(BulletinError):
    """A setting, or a file an option names (lexicon, intro, cover), cannot be used."""


class OptionError(ConfigError):
    """An option's value is out of range or not one of those offered (``--rate 5``,
    ``--locale fr-XX``): the CLI exits 2, as for an unknown option."""


class Interrupted(BulletinError):
    """A job stopped because it was asked to (:mod:`bulletin.stopping`), not because it failed:
    what it wrote is removed, and the batch reports it as not made, never as failed."""
