"""Training prompts and the masking rule of arXiv:2510.09885, in one place.

Every method turns a text into token ids once; masking happens later, in the collator, so a
document gets a fresh mask every time it is seen. The chat template is split into the token
pieces around the user and assistant contents, so masked positions are known exactly.

Masked fine-tuning, as a chat (SmolLM2's template shown):

    <|im_start|>user
    <document with some tokens replaced by the mask token>
    Return the recovered masked passage.<|im_end|>
    <|im_start|>assistant
    Here is the recovered text:

    <the original document><|im_end|>

Loss falls on the original document and the end-of-turn token only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import MaskftError

STANDARD_PROMPT = "Tell me a fact."
MASKED_PASSAGE_INSTRUCTION = "Return the recovered masked passage."
MASKED_ANSWER_INSTRUCTION = "Return the recovered masked answer."
RECOVERED_PREFIX = "Here is the recovered text:\n\n"
IGNORE = -100  # label value that cross-entropy skips
_USER, _ASSISTANT = "\x00USER\x00", "\x00ASSISTANT\x00"


class FormatError(MaskftError, ValueError):
    pass


@dataclass(frozen=True)
class ChatPieces:
    """Token ids of the chat template around a single user turn and assistant reply."""

    user_prefix: list[int]  # system turn (if the template adds one) and the user header
    between: list[int]  # end of the user turn and the assistant header
    end_of_turn: list[int]  # what closes the assistant turn; it carries loss

    @classmethod
    def from_tokenizer(cls, tokenizer) -> ChatPieces:
        if not getattr(tokenizer, "chat_template", None):
            raise FormatError("the tokenizer has no chat template; chat-format training needs one "
                              "(or use --format pretrain for the standard method)")
        text = tokenizer.apply_chat_template(
            [{"role": "user", "content": _USER}, {"role": "assistant", "content": _ASSISTANT}],
            tokenize=False)
        prefix, rest = text.split(_USER)
        between, suffix = rest.split(_ASSISTANT)
        end = suffix.rstrip()  # the trailing newline after <|im_end|> is not predicted
        if not end:
            raise FormatError("the chat template closes the assistant turn with nothing to predict")

        def ids(s: str) -> list[int]:
            return tokenizer(s, add_special_tokens=False)["input_ids"]

        return cls(user_prefix=ids(prefix), between=ids(between), end_of_turn=ids(end))


@dataclass(frozen=True)
class Example:
    """A tokenised training example before masking.

    maskable: positions the collator may replace by the mask token.
    counterpart: for masked SFT, maskable position -> the label position it answers for; the
        loss then falls only on the counterparts of masked positions (labels start all IGNORE).
    """

    input_ids: list[int]
    labels: list[int]
    maskable: list[int] = field(default_factory=list)
    counterpart: dict[int, int] | None = None

    def __len__(self) -> int:
        return len(self.input_ids)


class Formatter:
    """Builds the examples of each method from texts, with one tokenizer."""

    def __init__(self, tokenizer):
        self.tokenizer = tokenizer
        self._pieces: ChatPieces | None = None

    @property
    def pieces(self) -> ChatPieces:
        """Split from the chat template on first use, so `pretrain` works without a template."""
        if self._pieces is None:
            self._pieces = ChatPieces.from_tokenizer(self.tokenizer)
        return self._pieces

    def ids(self, text: str) -> list[int]:
        return self.tokenizer(text, add_special_tokens=False)["input_ids"]

    def _chat(self, user: list[int], assistant: list[int], loss_from: int) -> Example:
        """user/assistant contents as ids; loss on assistant[loss_from:] and the end of turn."""
        p = self.pieces
        prompt = p.user_prefix + user + p.between + assistant[:loss_from]
        target = assistant[loss_from:] + p.end_of_turn
        return Example(prompt + target, [IGNORE] * len(prompt) + target)

    def standard(self, document: str) -> Example:
        """The paper's AR baseline: 'Tell me a fact.' -> the document."""
        return self._chat(self.ids(STANDARD_PROMPT), self.ids(document), 0)

    def pretrain(self, document: str) -> Example:
        """Ablation: bos + text + eos, loss on every predicted token."""
        tok = self.tokenizer
        ids = ([tok.bos_token_id] if tok.bos_token_id is not None else []) + self.ids(document)
        ids.append(tok.eos_token_id)
        return Example(ids, [IGNORE] + ids[1:])

    def masked(self, document: str) -> Example:
        """Masked fine-tuning: a maskable copy of the document in the user turn."""
        doc = self.ids(document)
        start = len(self.pieces.user_prefix)
        recovered = self.ids(RECOVERED_PREFIX)
        example = self._chat(doc + self.ids("\n" + MASKED_PASSAGE_INSTRUCTION),
                             recovered + doc, len(recovered))
        return Example(example.input_ids, example.labels, list(range(start, start + len(doc))))

    def sft(self, prompt: str, answer: str) -> Example:
        return self._chat(self.ids(prompt), self.ids(answer), 0)

    def masked_sft(self, prompt: str, answer: str) -> Example:
        """Masked SFT: the question and a maskable copy of its answer; loss only where masked."""
        answer_ids = self.ids(answer)
        head = self.ids(prompt + "\n")
        user = head + answer_ids + self.ids("\n" + MASKED_ANSWER_INSTRUCTION)
        example = self._chat(user, answer_ids, 0)
        start = len(self.pieces.user_prefix) + len(head)
        answer_at = len(self.pieces.user_prefix) + len(user) + len(self.pieces.between)
        counterpart = {start + i: answer_at + i for i in range(len(answer_ids))}
        return Example(example.input_ids, [IGNORE] * len(example.input_ids),
                       list(counterpart), counterpart)


def choose_mask_token(tokenizer, requested: str | None = None) -> int:
    """The mask token id: the one asked for, else an unused special token of the tokenizer.

    Unused means: a special token that is not bos/eos/pad/unk and does not occur in the chat
    template (Llama-3's reserved tokens, SmolLM2's code-dataset markers such as <filename>).
    The lowest such id is taken, so the choice is stable.
    """
    vocab = tokenizer.get_vocab()
    if requested is not None:
        if requested not in vocab:
            raise FormatError(f"mask token {requested!r} is not in the tokenizer's vocabulary")
        return vocab[requested]
    used = {tokenizer.bos_token, tokenizer.eos_token, tokenizer.pad_token, tokenizer.unk_token}
    template = tokenizer.chat_template or ""
    specials = set(tokenizer.all_special_tokens) | {
        t.content for t in getattr(tokenizer, "added_tokens_decoder", {}).values() if t.special}
    candidates = sorted(vocab[t] for t in specials
                        if t in vocab and t not in used and t not in template)
    if not candidates:
        raise FormatError("the tokenizer has no unused special token to mask with; pass "
                          "--mask-token")
    return candidates[0]
