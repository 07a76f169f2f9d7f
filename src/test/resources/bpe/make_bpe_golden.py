"""Writes golden_tokenizer.json: the Hugging Face tokenizers library's own BpeTrainer run on
golden_corpus.txt (the whole file as one sequence), with the settings Tailor's trainer uses:
ByteLevel pre-tokenizer (GPT-2 regex, no prefix space), the 256 byte symbols as initial
alphabet, three special tokens, vocabulary size 700, no minimum frequency.

    pip install tokenizers==0.23.2
    python make_bpe_golden.py
"""
from pathlib import Path
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

here = Path(__file__).parent
tok = Tokenizer(models.BPE())
tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
tok.decoder = decoders.ByteLevel()
trainer = trainers.BpeTrainer(vocab_size=700, special_tokens=["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
                              initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
text = (here / "golden_corpus.txt").read_bytes().decode("utf-8")
tok.train_from_iterator([text], trainer)
tok.save(str(here / "golden_tokenizer.json"))
