namespace PerceptionJudge.Model.Tokenizer;

/// <summary>
/// A token matched verbatim in the text before BPE runs (HF <c>added_tokens</c>): chat markers such as
/// <c>&lt;|im_start|&gt;</c>, <c>&lt;|endoftext|&gt;</c>, the image placeholder. Matching is exact and leftmost,
/// longest content first (Microsoft.ML.Tokenizers' special-token split), so HF's lstrip/rstrip/single_word are refused
/// when a file sets them.
/// </summary>
/// <param name="Id">The token id.</param>
/// <param name="Content">The exact text matched.</param>
/// <param name="Special">Skipped by <see cref="Tokenizer.Decode"/> when asked to skip special tokens.</param>
/// <param name="Normalized">HF's flag, kept for the round trip; matching always runs on the raw text here.</param>
public sealed record AddedToken(int Id, string Content, bool Special = true, bool Normalized = false);
