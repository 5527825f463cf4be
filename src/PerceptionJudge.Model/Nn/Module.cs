using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Nn;

/// <summary>
/// A tree of named parameters and sub-modules (PyTorch <c>nn.Module</c> semantics, kept small). Names are dotted
/// paths built from registration names, so they match HF checkpoint keys (<c>model.layers.0.self_attn.q_proj.weight</c>).
/// A module owns its parameter tensors: they live outside any <see cref="DisposeScope"/> and are freed by
/// <see cref="Dispose"/>, children first.
/// </summary>
public abstract class Module : IDisposable
{
    private readonly List<(string Name, Tensor Tensor)> _parameters = [];
    private readonly List<(string Name, Module Module)> _children = [];
    private bool _disposed;

    /// <summary>True in training mode (dropout active); see <see cref="Train"/>.</summary>
    public bool Training { get; private set; } = true;

    /// <summary>Sets training mode on this module and every descendant; returns this.</summary>
    public Module Train(bool on = true)
    {
        foreach (var (_, m) in NamedModules())
        {
            m.Training = on;
        }
        return this;
    }

    /// <summary>Evaluation mode: <c>Train(false)</c>.</summary>
    public Module Eval() => Train(false);

    /// <summary>
    /// Takes ownership of <paramref name="tensor"/> as parameter <paramref name="name"/>: it leaves any dispose scope
    /// and gets <c>requires_grad = trainable</c>.
    /// </summary>
    protected Tensor RegisterParameter(string name, Tensor tensor, bool trainable = true)
    {
        CheckName(name);
        tensor.DetachFromDisposeScope();
        tensor.RequiresGrad = trainable;
        _parameters.Add((name, tensor));
        return tensor;
    }

    /// <summary>Registers <paramref name="module"/> as child <paramref name="name"/> and returns it.</summary>
    protected T RegisterModule<T>(string name, T module)
        where T : Module
    {
        CheckName(name);
        _children.Add((name, module));
        return module;
    }

    /// <summary>This module's own parameters, in registration order (no children).</summary>
    public IEnumerable<(string Name, Tensor Tensor)> LocalParameters => _parameters;

    /// <summary>Direct children, in registration order.</summary>
    public IEnumerable<(string Name, Module Module)> Children => _children;

    /// <summary>Every parameter of the tree with its dotted name, depth first, registration order.</summary>
    public IEnumerable<(string Name, Tensor Tensor)> NamedParameters(string prefix = "")
    {
        foreach (var (name, t) in _parameters)
        {
            yield return (Join(prefix, name), t);
        }
        foreach (var (name, child) in _children)
        {
            foreach (var p in child.NamedParameters(Join(prefix, name)))
            {
                yield return p;
            }
        }
    }

    /// <summary>This module (name <paramref name="prefix"/>) and every descendant with its dotted name.</summary>
    public IEnumerable<(string Name, Module Module)> NamedModules(string prefix = "")
    {
        yield return (prefix, this);
        foreach (var (name, child) in _children)
        {
            foreach (var m in child.NamedModules(Join(prefix, name)))
            {
                yield return m;
            }
        }
    }

    /// <summary>Parameters with <c>requires_grad</c>.</summary>
    public IEnumerable<(string Name, Tensor Tensor)> TrainableParameters() =>
        NamedParameters().Where(p => p.Tensor.RequiresGrad);

    /// <summary>Total element count of every parameter.</summary>
    public long ParameterCount() => NamedParameters().Sum(p => p.Tensor.Numel);

    /// <summary>Sets <c>requires_grad</c> on every parameter of the tree.</summary>
    public void RequiresGrad(bool on)
    {
        foreach (var (_, t) in NamedParameters())
        {
            t.RequiresGrad = on;
        }
    }

    /// <summary>Frees the accumulated gradients of every parameter (<c>zero_grad(set_to_none=False)</c>).</summary>
    public void ZeroGrad()
    {
        foreach (var (_, t) in NamedParameters())
        {
            if (t.RequiresGrad)
            {
                t.ZeroGrad();
            }
        }
    }

    /// <summary>Frees children first, then this module's parameters.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        foreach (var (_, child) in _children)
        {
            child.Dispose();
        }
        foreach (var (_, t) in _parameters)
        {
            t.Dispose();
        }
        GC.SuppressFinalize(this);
    }

    private static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;

    private void CheckName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('.'))
        {
            throw new ArgumentException($"module/parameter name '{name}' must be non-empty and contain no '.'");
        }
        if (_parameters.Any(p => p.Name == name) || _children.Any(c => c.Name == name))
        {
            throw new ArgumentException($"name '{name}' is already registered on {GetType().Name}");
        }
    }
}
