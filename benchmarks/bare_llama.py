"""The baseline: a bare llama-cpp-python loop a person would write, with the gate's decoding params.

python benchmarks/bare_llama.py MODEL.gguf REQUESTS.json REPLIES.json
"""

from __future__ import annotations

import json
import os
import sys

from llama_cpp import Llama


def main(model: str, requests_path: str, replies_path: str) -> None:
    requests = json.loads(open(requests_path, encoding="utf-8").read())
    llm = Llama(
        model_path=model, n_ctx=4096, n_threads=len(os.sched_getaffinity(0)), n_batch=512, seed=0, verbose=False
    )
    replies = {}
    for request in requests:
        llm.reset()  # a fresh context per case, as the gate gives
        out = llm.create_chat_completion(
            request["messages"],
            max_tokens=request["max_tokens"],
            temperature=0.0,
            top_p=1.0,
            top_k=1,
            min_p=0.0,
            repeat_penalty=1.0,
            seed=0,
        )
        replies[request["id"]] = out["choices"][0]["message"]["content"] or ""
    open(replies_path, "w", encoding="utf-8").write(json.dumps(replies, ensure_ascii=False))


if __name__ == "__main__":
    main(*sys.argv[1:4])
