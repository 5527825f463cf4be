using PerceptionJudge.Model.Nn;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Lora;

/// <summary>
/// A module tree with LoRA injected (PEFT <c>get_peft_model</c> / <c>LoraModel</c>): every Linear whose dotted path
/// matches <see cref="LoraConfig.TargetModules"/> and not <see cref="LoraConfig.ExcludeModules"/> gets a
/// <see cref="LoraAdapter"/>, and every base parameter is frozen (PEFT <c>_mark_only_adapters_as_trainable</c> with
/// bias "none"). The base module is not owned: <see cref="Dispose"/> removes the adapters, unmerging first, frees A
/// and B and restores the base parameters' <c>requires_grad</c>; the caller still disposes the base module.
/// </summary>
public sealed class LoraModel : IDisposable
{
    /// <summary>PEFT's prefix of adapter keys in saved state dicts: <c>PeftModel.base_model.model</c>.</summary>
    public const string KeyPrefix = "base_model.model.";

    /// <summary>The output layer PEFT's "all-linear" leaves out (HF <c>get_output_embeddings()</c>).</summary>
    public const string OutputLayerName = "lm_head";

    private readonly AdapterSwitch _switch = new();
    private readonly List<(string Name, Tensor Tensor, bool WasTrainable)> _frozen = [];
    private readonly List<LoraLayer> _layers = [];
    private bool _disposed;

    private LoraModel(Module root, LoraConfig config)
    {
        Root = root;
        Config = config;
    }

    /// <summary>The adapted module tree.</summary>
    public Module Root { get; }

    /// <summary>The config, "all-linear" expanded to the explicit list of adapted paths (as PEFT saves it).</summary>
    public LoraConfig Config { get; }

    /// <summary>Adapted layers in module order.</summary>
    public IReadOnlyList<LoraLayer> Layers => _layers;

    /// <summary>How many Linear layers got an adapter.</summary>
    public int MatchedModuleCount => _layers.Count;

    /// <summary>
    /// Injects LoRA into <paramref name="root"/>. Adapter i's A is seeded with a value derived from
    /// <paramref name="seed"/> and i. Throws <see cref="ModelException"/> when the config is invalid, when nothing
    /// matches, when a matched module is not a Linear, or when a Linear already carries an adapter.
    /// </summary>
    public static LoraModel Inject(Module root, LoraConfig config, ulong seed = 0)
    {
        config.Validate();
        var resolved = config.TargetModules!.IsAllLinear
            ? config with { TargetModules = ExpandAllLinear(root) }
            : config;
        var model = new LoraModel(root, resolved);
        var targets = Select(root, resolved);
        try
        {
            for (int i = 0; i < targets.Count; i++)
            {
                var (path, linear) = targets[i];
                var adapter = new LoraAdapter(linear, resolved, DeriveSeed(seed, i), model._switch);
                linear.Adapter = adapter;
                model._layers.Add(new LoraLayer(path, linear, adapter));
            }
            foreach (var (name, t) in root.NamedParameters())
            {
                model._frozen.Add((name, t, t.RequiresGrad));
                t.RequiresGrad = false;
            }
        }
        catch
        {
            model.Dispose();
            throw;
        }
        return model;
    }

    /// <summary>
    /// Trainable adapter tensors with PEFT's saved key names, module order, A before B:
    /// <c>base_model.model.&lt;path&gt;.lora_A.weight</c> and <c>...lora_B.weight</c>.
    /// </summary>
    public IEnumerable<(string Name, Tensor Tensor)> NamedAdapterParameters()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        foreach (var layer in _layers)
        {
            yield return (layer.KeyA, layer.Adapter.LoraA);
            yield return (layer.KeyB, layer.Adapter.LoraB);
        }
    }

    /// <summary>Total elements of every A and B.</summary>
    public long AdapterParameterCount() => NamedAdapterParameters().Sum(p => p.Tensor.Numel);

    /// <summary>
    /// Until the returned scope is disposed, every adapter returns the base output (PEFT <c>disable_adapter()</c>):
    /// the frozen base model, e.g. GRPO's reference policy, without a second copy of the weights. Merged layers
    /// are unmerged first, as PEFT does. Scopes nest.
    /// </summary>
    public IDisposable DisableAdapters()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Unmerge();
        _switch.DisabledDepth++;
        return new EnableOnDispose(_switch);
    }

    /// <summary>Folds every ΔW into its weight (W += scaling·B·A, Kernels.Lora); forwards skip the adapter.</summary>
    public void Merge()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        foreach (var layer in _layers)
        {
            layer.Adapter.Merge();
        }
    }

    /// <summary>Takes every ΔW back out of its weight (W −= scaling·B·A).</summary>
    public void Unmerge()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        foreach (var layer in _layers)
        {
            layer.Adapter.Unmerge();
        }
    }

    /// <summary>
    /// PEFT <c>merge_and_unload()</c>: merges, detaches and frees the adapters and returns the plain module, whose
    /// weights now include ΔW. Base parameters stay frozen, as PEFT leaves them. This object is disposed.
    /// </summary>
    public Module MergeAndUnload()
    {
        Merge();
        foreach (var layer in _layers)
        {
            layer.Linear.Adapter = null;
            layer.Adapter.Dispose();
        }
        _layers.Clear();
        _frozen.Clear();
        _disposed = true;
        return Root;
    }

    /// <summary>Unmerges, detaches and frees the adapters, and restores each base parameter's requires_grad.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        foreach (var layer in _layers)
        {
            layer.Adapter.Unmerge();
            if (ReferenceEquals(layer.Linear.Adapter, layer.Adapter))
            {
                layer.Linear.Adapter = null;
            }
            layer.Adapter.Dispose();
        }
        foreach (var (_, t, wasTrainable) in _frozen)
        {
            if (!t.IsDisposed)
            {
                t.RequiresGrad = wasTrainable;
            }
        }
        _layers.Clear();
        _frozen.Clear();
    }

    /// <summary>PEFT: every Linear's full path except the output layer.</summary>
    private static ModulePattern ExpandAllLinear(Module root)
    {
        var names = root.NamedModules()
            .Where(m => m.Module is Linear && m.Name.Length > 0 && LastName(m.Name) != OutputLayerName)
            .Select(m => m.Name)
            .ToArray();
        if (names.Length == 0)
        {
            throw new ModelException(
                LoraConfig.Source, "target_modules", $"\"all-linear\" found no Linear layer besides {OutputLayerName}");
        }
        return ModulePattern.Of(names);
    }

    private static List<(string Path, Linear Linear)> Select(Module root, LoraConfig config)
    {
        var selected = new List<(string, Linear)>();
        int excluded = 0;
        foreach (var (path, module) in root.NamedModules())
        {
            if (path.Length == 0)
            {
                continue;
            }
            bool targeted = config.TargetModules!.Matches(path);
            if (config.ExcludeModules?.Matches(path) == true)
            {
                excluded += targeted ? 1 : 0;
                continue;
            }
            if (!targeted)
            {
                continue;
            }
            if (module is not Linear linear)
            {
                throw new ModelException(
                    LoraConfig.Source, "target_modules",
                    $"module '{path}' matched but is a {module.GetType().Name}; only Linear layers take LoRA");
            }
            if (linear.Adapter is not null)
            {
                throw new ModelException(
                    LoraConfig.Source, "target_modules", $"module '{path}' already carries an adapter");
            }
            selected.Add((path, linear));
        }
        if (selected.Count == 0)
        {
            var why = excluded > 0
                ? $"all {excluded} matching modules are excluded by exclude_modules {config.ExcludeModules}"
                : "no module path matches; paths look like " + string.Join(", ", SamplePaths(root));
            throw new ModelException(
                LoraConfig.Source, "target_modules", $"{config.TargetModules} not found in the model: {why}");
        }
        return selected;
    }

    private static IEnumerable<string> SamplePaths(Module root) =>
        root.NamedModules().Where(m => m.Module is Linear && m.Name.Length > 0).Select(m => $"'{m.Name}'").Take(4);

    private static string LastName(string path) => path[(path.LastIndexOf('.') + 1)..];

    /// <summary>SplitMix64 of seed and index, so each adapter's A has its own reproducible stream.</summary>
    private static ulong DeriveSeed(ulong seed, int index)
    {
        ulong z = seed + ((ulong)index + 1) * 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private sealed class EnableOnDispose(AdapterSwitch adapterSwitch) : IDisposable
    {
        private bool _done;

        public void Dispose()
        {
            if (!_done)
            {
                _done = true;
                adapterSwitch.DisabledDepth--;
            }
        }
    }
}

/// <summary>One adapted layer: its module path, the Linear and its adapter, with PEFT's saved key names.</summary>
/// <param name="Path">Dotted module path, e.g. <c>model.layers.0.self_attn.q_proj</c>.</param>
/// <param name="Linear">The base layer.</param>
/// <param name="Adapter">Its LoRA adapter.</param>
public sealed record LoraLayer(string Path, Linear Linear, LoraAdapter Adapter)
{
    /// <summary><c>base_model.model.&lt;path&gt;.lora_A.weight</c>.</summary>
    public string KeyA => LoraModel.KeyPrefix + Path + ".lora_A.weight";

    /// <summary><c>base_model.model.&lt;path&gt;.lora_B.weight</c>.</summary>
    public string KeyB => LoraModel.KeyPrefix + Path + ".lora_B.weight";
}
