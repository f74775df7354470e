"""A tiny GPT-2 and a word-level tokenizer with a chat template, built offline.

The framework drivers train and tokenize with these instead of a downloaded
model: the frameworks' own data code runs on them exactly as on a real model.
"""

from __future__ import annotations

from tokenizers import Tokenizer, models, pre_tokenizers
from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

SPECIAL = ["[PAD]", "[UNK]", "<|end|>", "<|system|>", "<|user|>", "<|assistant|>", "<|tool|>"]
WORDS = ["the", "answer", "is", "call", "tool", "tools", "result", "think", "a", "b", "c", "d"]

# Renders system, user, assistant and tool messages, the tools list and tool calls, so that
# every field the converters write reaches the tokenizer.
CHAT_TEMPLATE = (
    "{%- if tools %}<|system|> tools {% for tool in tools %}{{ tool | tojson }} {% endfor %}<|end|>\n"
    "{% endif -%}"
    "{%- for message in messages -%}"
    "<|{{ message['role'] }}|> "
    "{%- if message['content'] is string %}{{ message['content'] }}"
    "{%- elif message['content'] %}{% for part in message['content'] %}"
    "{{ part['text'] if part is mapping and 'text' in part else '' }}{% endfor %}{% endif %}"
    "{%- if message.get('tool_calls') %}{% for call in message['tool_calls'] %}"
    " call {{ call['function']['name'] }} {{ call['function']['arguments'] | tojson }}"
    "{% endfor %}{% endif %} <|end|>\n"
    "{%- endfor -%}"
    "{%- if add_generation_prompt %}<|assistant|> {% endif -%}"
)


def tiny_tokenizer() -> PreTrainedTokenizerFast:
    vocab = {token: index for index, token in enumerate(SPECIAL + WORDS)}
    backend = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    backend.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend,
        unk_token="[UNK]",
        pad_token="[PAD]",
        eos_token="<|end|>",
        bos_token="<|end|>",
        additional_special_tokens=SPECIAL[3:],
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    return tokenizer


def tiny_model(tokenizer: PreTrainedTokenizerFast, max_positions: int = 2048) -> GPT2LMHeadModel:
    config = GPT2Config(
        vocab_size=len(tokenizer),
        n_positions=max_positions,
        n_embd=16,
        n_layer=1,
        n_head=2,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    return GPT2LMHeadModel(config)
