namespace PerceptionJudge.Model.Nn;

/// <summary>
/// An indexed list of sub-modules named <c>0</c>, <c>1</c>, ... (PyTorch <c>nn.ModuleList</c>), so parameter names read
/// <c>layers.3.mlp.up_proj.weight</c> as in HF checkpoints.
/// </summary>
public sealed class ModuleList<T> : Module
    where T : Module
{
    private readonly List<T> _items = [];

    /// <summary>A list holding <paramref name="items"/> in order; takes ownership of them.</summary>
    public ModuleList(IEnumerable<T> items)
    {
        foreach (var item in items)
        {
            _items.Add(RegisterModule(_items.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), item));
        }
    }

    /// <summary>Number of modules.</summary>
    public int Count => _items.Count;

    /// <summary>The module at <paramref name="index"/>.</summary>
    public T this[int index] => _items[index];

    /// <summary>The modules in order.</summary>
    public IReadOnlyList<T> Items => _items;
}
