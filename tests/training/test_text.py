"""PTB detokenisation and FEVER bracket escapes."""

from verification.training.text import detokenize_ptb, unescape_brackets


def test_unescape_brackets_maps_every_fever_escape():
    text = "a -LRB- b -RRB- c -LSB- d -RSB- e -LCB- f -RCB-"
    assert unescape_brackets(text) == "a ( b ) c [ d ] e { f }"


def test_detokenize_joins_punctuation_and_clitics():
    assert detokenize_ptb("Two women are n't embracing , he 's sure .") == (
        "Two women aren't embracing, he's sure."
    )


def test_detokenize_turns_latex_quotes_into_double_quotes():
    assert detokenize_ptb("Kenneth `` Babyface '' Edmonds") == 'Kenneth "Babyface" Edmonds'


def test_detokenize_closes_up_brackets_from_escapes():
    text = "Telemundo ( -LSB- tele-mundo -RSB- ) is a network ."
    assert detokenize_ptb(text) == "Telemundo ([tele-mundo]) is a network."


def test_detokenize_leaves_raw_text_unchanged():
    raw = "The U.S. (2019) spent $5 on 50% of it, didn't it?"
    assert detokenize_ptb(raw) == raw
