// Regenerates tiny-golden.json: ids from Hugging Face's own tokenizers (Rust, via the npm package `tokenizers`).
// Pins: the Qwen2 split regex as the Rust regex engine runs it, BPE merge order, added-token matching, decoding.
//   1. Export the tiny tokenizer:  Tokenizer.CreateTiny().Save("tiny.json")  (any C# host; it is deterministic)
//   2. npm install tokenizers@0.23.2 && node make_golden.js tiny.json > tiny-golden.json
const { Tokenizer } = require("tokenizers");

const cases = [
  "How many red circles are there in the image?",
  "Is the blue star to the left of the purple star?",
  "<|im_start|>user\n<image>What colour is the triangle?<|im_end|>\n<|im_start|>assistant\n",
  "Hello world'S 123  foo\n\nbar!!",
  "I'm sure they'll say we've done it; you'd agree?",
  "tabs\tand   spaces \r\n\r\n  trailing   ",
  "数字 1234567 and 猫が好き。",
  "emoji 🙂🙂 👩‍👩‍👧 ✓ done",
  "Ünïcödé façade naïve — “quotes” …",
  "score: 7/10, better: A; worse: B.",
  "a𠀀b 𝔘𝔫𝔦",
  "x<image>y<|endoftext|>z<|im_end|>",
  "",
  " ",
  "\n",
];

(async () => {
  const tokenizer = Tokenizer.fromFile(process.argv[2]);
  const out = [];
  for (const text of cases) {
    const encoding = await tokenizer.encode(text, null, { addSpecialTokens: false });
    const ids = encoding.getIds();
    const decoded = await tokenizer.decode(ids, false);
    out.push({ text, ids, decoded });
  }
  process.stdout.write(JSON.stringify({ generator: "tokenizers (npm) 0.23.2", cases: out }, null, 1) + "\n");
})();
