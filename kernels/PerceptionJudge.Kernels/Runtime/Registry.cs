namespace PerceptionJudge.Kernels.Runtime;

/// <summary>
/// A name → implementation table in the style of verl's <c>register_adv_est</c> / <c>get_policy_loss_fn</c>.
/// Names are case-sensitive as in verl; registering a name twice throws; an unknown name throws a
/// <see cref="KernelInputException"/> listing every valid name.
/// </summary>
/// <typeparam name="T">The shared signature (a delegate or an interface) of the registered entries.</typeparam>
public sealed class Registry<T>
    where T : class
{
    private readonly Dictionary<string, T> _entries = new(StringComparer.Ordinal);
    private readonly string _field;

    /// <summary>Creates an empty registry whose lookups report errors against <paramref name="field"/>.</summary>
    public Registry(string field) => _field = field;

    /// <summary>Registered names, sorted.</summary>
    public IReadOnlyList<string> Names => [.. _entries.Keys.Order(StringComparer.Ordinal)];

    /// <summary>Adds <paramref name="entry"/> under <paramref name="name"/> (and optional aliases).</summary>
    public Registry<T> Add(string name, T entry, params string[] aliases)
    {
        foreach (string n in aliases.Prepend(name))
        {
            if (!_entries.TryAdd(n, entry))
            {
                throw new InvalidOperationException($"{_field} '{n}' is already registered");
            }
        }

        return this;
    }

    /// <summary>True when <paramref name="name"/> is registered.</summary>
    public bool Contains(string name) => _entries.ContainsKey(name);

    /// <summary>The entry for <paramref name="name"/>; an unknown name lists the valid ones.</summary>
    public T Get(string name) =>
        _entries.TryGetValue(name, out var entry)
            ? entry
            : throw new KernelInputException(
                _field, $"unknown name '{name}'; valid names: {string.Join(", ", Names)}");
}
