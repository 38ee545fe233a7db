"""The `maskft-dllm` lm-eval backend and `--backend dllm`, without downloadable weights."""

import pytest
from lm_eval.api.instance import Instance
from tiny_dllm import save, tiny_model, tiny_tokenizer

import maskft_bench.scoring  # noqa: F401 - registers maskft-dllm
from maskft_bench.dllm.sampler import SamplerSettings
from maskft_bench.scoring.backends import resolve
from maskft_bench.scoring.errors import ScoreError
from maskft_bench.scoring.run import ScoreOptions, score

GREEDY = {"until": [], "do_sample": False, "temperature": 0.0, "max_gen_toks": 128}


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    tokenizer = tiny_tokenizer(["Paris is the capital of France.", "Two and two make four."])
    return save(tiny_model(tokenizer), tokenizer, tmp_path_factory.mktemp("tiny") / "dllm")


def make(model_dir, **args):
    from lm_eval.api.registry import get_model

    return get_model("maskft-dllm").create_from_arg_obj({"pretrained": str(model_dir), **args},
                                                        {"batch_size": 2, "device": "cpu"})


def request(context, **gen_kwargs):
    return Instance("generate_until", {}, (context, {**GREEDY, **gen_kwargs}), 0)


def test_registered_with_lm_eval_beside_its_own_backends():
    from lm_eval.api.registry import get_model

    assert get_model("maskft-dllm").__name__ == "DiffusionLM"
    assert get_model("hf").__name__ == "HFLM"  # registering ours did not hide lm-eval's


def test_backend_choice_and_model_family():
    dllm = resolve("dllm", "some/model", "bfloat16", extra_args={"gen_length": 64})
    assert dllm.name == "maskft-dllm" and dllm.model_family == "diffusion"
    assert dllm.model_args == {"pretrained": "some/model", "dtype": "bfloat16", "gen_length": 64}
    assert dllm.torch_device == "cpu"
    assert resolve("hf", "m", "auto").model_family == "autoregressive"
    with pytest.raises(ScoreError, match="dllm runs on one device"):
        resolve("dllm", "m", "auto", tensor_parallel=2)


def test_generate_until_settings_stop_strings_and_order(model_dir, monkeypatch):
    lm = make(model_dir)
    calls = []

    def fake_generate(prompts, settings):
        calls.append((list(prompts), settings))
        return [f"answer to {p}\nQ: more" for p in prompts]

    monkeypatch.setattr(lm.diffusion, "generate", fake_generate)
    requests = [request("a", until=["\n"]), request("bbbb", until=["\n"]),
                request("cc", until=["\n"], max_gen_toks=384), request("d", until=["more"])]
    answers = lm.generate_until(requests, disable_tqdm=True)
    assert answers == ["answer to a", "answer to bbbb", "answer to cc", "answer to d\nQ: "]
    lengths = sorted(s.gen_length for _, s in calls)
    assert lengths == [128, 128, 384]  # each task's max_gen_toks; one batch per setting
    assert all(s.block_length == 4 and s.total_steps == s.gen_length for _, s in calls)
    assert max(len(p) for p, _ in calls) <= 2  # batch_size 2


def test_model_args_override_the_task_window(model_dir, monkeypatch):
    lm = make(model_dir, gen_length=16, block_length=8, steps=4)
    seen = []
    monkeypatch.setattr(lm.diffusion, "generate", lambda p, s: seen.append(s) or ["x"] * len(p))
    lm.generate_until([request("q")], disable_tqdm=True)
    assert seen == [SamplerSettings(gen_length=16, block_length=8, steps=4)]


@pytest.mark.parametrize(("args", "message"), [
    ({"steps": 64}, "give gen_length with it"),
    ({"gen_length": 10}, "not a multiple of block_length"),
    ({"batch_size": "auto"}, "batch_size must be a number"),
])
def test_bad_model_args_fail_before_scoring(model_dir, args, message):
    from lm_eval.api.registry import get_model

    with pytest.raises(ValueError, match=message):
        get_model("maskft-dllm")(pretrained=str(model_dir), **args)


def test_sampling_and_loglikelihood_are_refused_clearly(model_dir):
    lm = make(model_dir)
    with pytest.raises(ValueError, match="decodes greedily"):
        lm.generate_until([request("q", do_sample=True, temperature=0.7)], disable_tqdm=True)
    with pytest.raises(NotImplementedError, match="only generates"):
        lm.loglikelihood([Instance("loglikelihood", {}, ("q", " a"), 0)])


def test_chat_template_and_model_info(model_dir):
    lm = make(model_dir)
    prompt = lm.apply_chat_template([{"role": "user", "content": "hi"}])
    assert prompt == "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n"
    assert lm.chat_template(True) == lm.tokenizer.chat_template
    info = lm.get_model_info()
    assert info["model_family"] == "diffusion" and info["model_dtype"] == "torch.float32"


@pytest.mark.parametrize(("model_args", "message"), [
    ("pretrained=other", "give the model with --model"),
    ("steps=64", "--backend dllm: maskft-dllm: steps counts .* give gen_length with it"),
])
def test_score_turns_bad_model_args_into_one_line_errors(tmp_path, model_dir, model_args, message):
    with pytest.raises(ScoreError, match=message):  # some are refused when the options are built
        score(ScoreOptions(model=str(model_dir), out=tmp_path / "out", backend="dllm",
                           model_args=model_args, limit=1))
    assert not (tmp_path / "out").exists()


def test_an_autoregressive_model_is_refused_with_the_reason(tmp_path):
    from transformers import LlamaConfig, LlamaForCausalLM

    tokenizer = tiny_tokenizer(["Paris is the capital of France."])
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=16, intermediate_size=32,
                         num_hidden_layers=1, num_attention_heads=2)
    causal = save(LlamaForCausalLM(config), tokenizer, tmp_path / "causal")
    options = ScoreOptions(model=str(causal), out=tmp_path / "out", backend="dllm", limit=1)
    with pytest.raises(ScoreError, match="--backend dllm: .*'llama' is not a masked LM"):
        score(options)
    assert not (tmp_path / "out").exists()


def test_a_task_window_the_blocks_do_not_divide_is_named(model_dir):
    lm = make(model_dir, block_length=3)
    with pytest.raises(ValueError, match="128 is not a multiple of block_length 3; choose"):
        lm.generate_until([request("q")], disable_tqdm=True)
