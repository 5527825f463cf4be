using PerceptionJudge.Model.Nn;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Tests.Lora;

/// <summary>A named container, so tests can build HF-shaped module paths.</summary>
internal sealed class Container : Module
{
    public T Add<T>(string name, T module)
        where T : Module => RegisterModule(name, module);
}

/// <summary>A decoder block: self_attn.{q_proj, v_proj} and mlp.{up_proj, down_proj} (no attention math).</summary>
internal sealed class TinyBlock : Module
{
    public TinyBlock(int dim, int hidden, ulong seed, double std)
    {
        var attn = RegisterModule("self_attn", new Container());
        Q = attn.Add("q_proj", Linear.Create(dim, dim, true, seed + 1, std));
        V = attn.Add("v_proj", Linear.Create(dim, dim, false, seed + 2, std));
        var mlp = RegisterModule("mlp", new Container());
        Up = mlp.Add("up_proj", Linear.Create(dim, hidden, false, seed + 3, std));
        Down = mlp.Add("down_proj", Linear.Create(hidden, dim, false, seed + 4, std));
    }

    public Linear Q { get; }

    public Linear V { get; }

    public Linear Up { get; }

    public Linear Down { get; }

    /// <summary>h + v(tanh(q(h))), then + down(silu(up(h))).</summary>
    public Tensor Forward(Tensor h)
    {
        using var q = Q.Forward(h);
        using var tq = Ops.Tanh(q);
        using var v = V.Forward(tq);
        using var h1 = Ops.Add(h, v);
        using var up = Up.Forward(h1);
        using var act = Ops.Silu(up);
        using var down = Down.Forward(act);
        return Ops.Add(h1, down);
    }
}

/// <summary>
/// A two-layer model with HF names: <c>model.layers.{0,1}.self_attn.q_proj</c>, ..., a vision branch
/// <c>visual.blocks.0.proj</c> + <c>visual.merger</c>, and <c>lm_head</c>.
/// </summary>
internal sealed class TinyLm : Module
{
    private readonly TinyBlock[] _blocks;

    public TinyLm(int dim = 8, int hidden = 12, int vocab = 6, ulong seed = 7, double std = 0.3)
    {
        var model = RegisterModule("model", new Container());
        var layers = model.Add("layers", new Container());
        _blocks =
        [
            layers.Add("0", new TinyBlock(dim, hidden, seed, std)),
            layers.Add("1", new TinyBlock(dim, hidden, seed + 10, std)),
        ];
        var visual = RegisterModule("visual", new Container());
        var blocks = visual.Add("blocks", new Container());
        var block0 = blocks.Add("0", new Container());
        VisualProj = block0.Add("proj", Linear.Create(dim, dim, true, seed + 20, std));
        Merger = visual.Add("merger", Linear.Create(dim, dim, false, seed + 21, std));
        LmHead = RegisterModule("lm_head", Linear.Create(dim, vocab, false, seed + 22, std));
    }

    public IReadOnlyList<TinyBlock> Blocks => _blocks;

    public Linear VisualProj { get; }

    public Linear Merger { get; }

    public Linear LmHead { get; }

    /// <summary>x, image features [n, dim] → logits [n, vocab].</summary>
    public Tensor Forward(Tensor x, Tensor image)
    {
        using var p = VisualProj.Forward(image);
        using var g = Ops.Gelu(p);
        using var m = Merger.Forward(g);
        var h = Ops.Add(x, m);
        foreach (var block in _blocks)
        {
            var next = block.Forward(h);
            h.Dispose();
            h = next;
        }
        using (h)
        {
            return LmHead.Forward(h);
        }
    }

    public static readonly string[] LinearPaths =
    [
        "model.layers.0.self_attn.q_proj", "model.layers.0.self_attn.v_proj", "model.layers.0.mlp.up_proj",
        "model.layers.0.mlp.down_proj", "model.layers.1.self_attn.q_proj", "model.layers.1.self_attn.v_proj",
        "model.layers.1.mlp.up_proj", "model.layers.1.mlp.down_proj", "visual.blocks.0.proj", "visual.merger",
        "lm_head",
    ];
}
