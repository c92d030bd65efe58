"""Text clean-up for corpora that ship Penn-Treebank-tokenised text (e-SNLI, FEVER)."""

from __future__ import annotations

import re

# FEVER and the PTB write brackets as escape tokens so that a parser never sees
# a bare bracket; the model should see the characters students type.
_BRACKET_ESCAPES = {
    "-LRB-": "(",
    "-RRB-": ")",
    "-LSB-": "[",
    "-RSB-": "]",
    "-LCB-": "{",
    "-RCB-": "}",
    "-COLON-": ":",
}
_ESCAPE_RE = re.compile("|".join(re.escape(k) for k in _BRACKET_ESCAPES))
_OPEN_QUOTE_RE = re.compile(r"``\s*")
_CLOSE_QUOTE_RE = re.compile(r"\s*''")
_SPACE_BEFORE_RE = re.compile(
    r"\s+([.,;:!?%)\]}]|'s\b|'S\b|n't\b|N'T\b|'re\b|'ve\b|'ll\b|'d\b|'m\b)"
)
_SPACE_AFTER_RE = re.compile(r"([(\[{$])\s+")
_SPACES_RE = re.compile(r"\s+")


def unescape_brackets(text: str) -> str:
    """Map FEVER/PTB bracket escapes (``-LRB-``, ``-RSB-`` ...) back to characters.

    >>> unescape_brackets("Telemundo -LRB- network -RRB-")
    'Telemundo ( network )'
    """
    return _ESCAPE_RE.sub(lambda m: _BRACKET_ESCAPES[m.group(0)], text)


def detokenize_ptb(text: str) -> str:
    """Undo Penn-Treebank tokenisation well enough for a subword tokenizer.

    Args:
        text: PTB-tokenised text, e.g. ``'Two women ( sisters ) hold `` to go '' packages .'``.

    Returns:
        Text with bracket escapes restored, LaTeX-style quotes turned into ``"``
        and the spaces before punctuation and clitics removed.

    >>> detokenize_ptb("He said `` it is n't ( really ) mine '' .")
    'He said "it isn\\'t (really) mine".'
    """
    text = unescape_brackets(text)
    text = _OPEN_QUOTE_RE.sub('"', text)
    text = _CLOSE_QUOTE_RE.sub('"', text)
    text = _SPACE_BEFORE_RE.sub(r"\1", text)
    text = _SPACE_AFTER_RE.sub(r"\1", text)
    return _SPACES_RE.sub(" ", text).strip()


def match_key(text: str) -> str:
    """Lower case, non-word characters removed: for matching one text across datasets.

    >>> match_key("It's  (really) mine.") == match_key("its really mine")
    True
    """
    return re.sub(r"\W+", "", text.lower())
