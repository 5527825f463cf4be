namespace PerceptionJudge.Torch;

// Instance spellings of the most used ops (x.MatMul(w), x.Reshape(2, -1), ...) and arithmetic operators. Each
// forwards to Ops and returns a fresh tensor.
public sealed partial class Tensor
{
    /// <summary>this @ other.</summary>
    public Tensor MatMul(Tensor other) => Ops.MatMul(this, other);

    /// <summary>this + alpha * other.</summary>
    public Tensor Add(Tensor other, double alpha = 1) => Ops.Add(this, other, alpha);

    /// <summary>this - other.</summary>
    public Tensor Sub(Tensor other) => Ops.Sub(this, other);

    /// <summary>this * other elementwise.</summary>
    public Tensor Mul(Tensor other) => Ops.Mul(this, other);

    /// <summary>this / other elementwise.</summary>
    public Tensor Div(Tensor other) => Ops.Div(this, other);

    /// <summary>Same data, new shape.</summary>
    public Tensor Reshape(params long[] shape) => Ops.Reshape(this, shape);

    /// <summary>A view with a new shape.</summary>
    public Tensor View(params long[] shape) => Ops.View(this, shape);

    /// <summary>Swaps two dimensions.</summary>
    public Tensor Transpose(long dim0, long dim1) => Ops.Transpose(this, dim0, dim1);

    /// <summary>Reorders dimensions.</summary>
    public Tensor Permute(params long[] dims) => Ops.Permute(this, dims);

    /// <summary>Inserts a size-1 dimension.</summary>
    public Tensor Unsqueeze(long dim) => Ops.Unsqueeze(this, dim);

    /// <summary>Removes a size-1 dimension.</summary>
    public Tensor Squeeze(long dim) => Ops.Squeeze(this, dim);

    /// <summary>Elements start .. start+length-1 along a dimension.</summary>
    public Tensor Narrow(long dim, long start, long length) => Ops.Narrow(this, dim, start, length);

    /// <summary>this[start:end:step] along a dimension.</summary>
    public Tensor Slice(long dim, long start, long end, long step = 1) => Ops.Slice(this, dim, start, end, step);

    /// <summary>Sum of every element.</summary>
    public Tensor Sum() => Ops.Sum(this);

    /// <summary>Sum over dims.</summary>
    public Tensor Sum(long[] dims, bool keepdim = false) => Ops.Sum(this, dims, keepdim);

    /// <summary>Mean of every element.</summary>
    public Tensor Mean() => Ops.Mean(this);

    /// <summary>Mean over dims.</summary>
    public Tensor Mean(long[] dims, bool keepdim = false) => Ops.Mean(this, dims, keepdim);

    /// <summary>Softmax along a dimension.</summary>
    public Tensor Softmax(long dim) => Ops.Softmax(this, dim);

    /// <summary>Log-softmax along a dimension.</summary>
    public Tensor LogSoftmax(long dim) => Ops.LogSoftmax(this, dim);

    /// <summary>a + b.</summary>
    public static Tensor operator +(Tensor a, Tensor b) => Ops.Add(a, b);

    /// <summary>a - b.</summary>
    public static Tensor operator -(Tensor a, Tensor b) => Ops.Sub(a, b);

    /// <summary>a * b elementwise.</summary>
    public static Tensor operator *(Tensor a, Tensor b) => Ops.Mul(a, b);

    /// <summary>a / b elementwise.</summary>
    public static Tensor operator /(Tensor a, Tensor b) => Ops.Div(a, b);

    /// <summary>a + s.</summary>
    public static Tensor operator +(Tensor a, double s) => Ops.Add(a, s);

    /// <summary>a - s.</summary>
    public static Tensor operator -(Tensor a, double s) => Ops.Add(a, -s);

    /// <summary>a * s.</summary>
    public static Tensor operator *(Tensor a, double s) => Ops.Mul(a, s);

    /// <summary>s * a.</summary>
    public static Tensor operator *(double s, Tensor a) => Ops.Mul(a, s);

    /// <summary>-a.</summary>
    public static Tensor operator -(Tensor a) => Ops.Neg(a);
}
