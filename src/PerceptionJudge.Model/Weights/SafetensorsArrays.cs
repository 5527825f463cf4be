using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace PerceptionJudge.Model.Weights;

/// <summary>One tensor copied into a managed array: its name, stored dtype, shape and row-major values.</summary>
public sealed record SafetensorsArray<T>(string Name, SafetensorsDType DType, long[] Shape, T[] Values)
{
    /// <summary>Number of elements (the product of <see cref="Shape"/>).</summary>
    public int Numel => Values.Length;
}

/// <summary>
/// Reads safetensors tensors into managed arrays without libtorch (the data is little-endian as the format says;
/// bf16 is the upper half of a float32, so its value is the float with bits <c>b &lt;&lt; 16</c>).
/// Writing arrays back needs nothing new: <see cref="SafetensorsWriter.Add{T}(string, T[], long[])"/> takes
/// <c>float[]</c>, <c>long[]</c> and <c>byte[]</c> with a shape.
/// </summary>
public static class SafetensorsArrays
{
    /// <summary>
    /// <paramref name="name"/> as float64: F64, F32, F16, BF16 exactly; integer dtypes and BOOL (0/1) exactly up to
    /// 2^53, larger magnitudes rounded to nearest. F8 dtypes are refused.
    /// </summary>
    public static SafetensorsArray<double> ReadDoubles(this SafetensorsFile file, string name)
    {
        var info = Locate(file, name);
        var bytes = file.GetBytes(name);
        var values = new double[(int)info.Numel];
        switch (info.DType)
        {
            case SafetensorsDType.F64:
                MemoryMarshal.Cast<byte, double>(bytes).CopyTo(values);
                break;
            case SafetensorsDType.F32:
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * i)..]);
                }
                break;
            case SafetensorsDType.F16:
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = (double)BinaryPrimitives.ReadHalfLittleEndian(bytes[(2 * i)..]);
                }
                break;
            case SafetensorsDType.BF16:
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = BFloat16ToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..]));
                }
                break;
            case SafetensorsDType.U64:
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = BinaryPrimitives.ReadUInt64LittleEndian(bytes[(8 * i)..]);
                }
                break;
            default:
                var integers = ReadIntegers(file, info, bytes, "double");
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = integers[i];
                }
                break;
        }
        return new SafetensorsArray<double>(info.Name, info.DType, (long[])info.Shape.Clone(), values);
    }

    /// <summary>
    /// <paramref name="name"/> as float32: F32, F16, BF16 exactly; F64 and integers rounded to nearest float32.
    /// </summary>
    public static SafetensorsArray<float> ReadFloats(this SafetensorsFile file, string name)
    {
        var info = Locate(file, name);
        var bytes = file.GetBytes(name);
        float[] values;
        if (info.DType == SafetensorsDType.F32)
        {
            values = MemoryMarshal.Cast<byte, float>(bytes).ToArray();
        }
        else
        {
            var doubles = file.ReadDoubles(name).Values;
            values = new float[doubles.Length];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = (float)doubles[i];
            }
        }
        return new SafetensorsArray<float>(info.Name, info.DType, (long[])info.Shape.Clone(), values);
    }

    /// <summary>
    /// <paramref name="name"/> as int64, exactly: I64, I32, I16, I8, U32, U16, U8, BOOL (0/1), and U64 up to
    /// <see cref="long.MaxValue"/>. Floating-point dtypes are refused (read them with <see cref="ReadDoubles"/>).
    /// </summary>
    public static SafetensorsArray<long> ReadLongs(this SafetensorsFile file, string name)
    {
        var info = Locate(file, name);
        var bytes = file.GetBytes(name);
        long[] values;
        if (info.DType == SafetensorsDType.U64)
        {
            values = new long[(int)info.Numel];
            for (var i = 0; i < values.Length; i++)
            {
                var v = BinaryPrimitives.ReadUInt64LittleEndian(bytes[(8 * i)..]);
                if (v > long.MaxValue)
                {
                    throw new ModelException(file.Path, name, $"U64 element {i} = {v} does not fit an int64");
                }
                values[i] = (long)v;
            }
        }
        else
        {
            values = ReadIntegers(file, info, bytes, "int64");
        }
        return new SafetensorsArray<long>(info.Name, info.DType, (long[])info.Shape.Clone(), values);
    }

    /// <summary>The float32 whose upper 16 bits are <paramref name="bits"/> (bf16 to float32 is exact).</summary>
    public static float BFloat16ToSingle(ushort bits) => BitConverter.Int32BitsToSingle(bits << 16);

    private static SafetensorsTensorInfo Locate(SafetensorsFile file, string name)
    {
        var info = file.Info(name);
        if (info.Numel > Array.MaxLength)
        {
            throw new ModelException(
                file.Path, name, $"{info.Numel} elements exceed what one managed array can hold ({Array.MaxLength})");
        }
        return info;
    }

    /// <summary>Signed and unsigned integers up to 32 bits, I64 and BOOL, widened to int64.</summary>
    private static long[] ReadIntegers(
        SafetensorsFile file, SafetensorsTensorInfo info, ReadOnlySpan<byte> bytes, string target)
    {
        var values = new long[(int)info.Numel];
        switch (info.DType)
        {
            case SafetensorsDType.I64:
                MemoryMarshal.Cast<byte, long>(bytes).CopyTo(values);
                break;
            case SafetensorsDType.I32:
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = BinaryPrimitives.ReadInt32LittleEndian(bytes[(4 * i)..]);
                }
                break;
            case SafetensorsDType.U32:
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(4 * i)..]);
                }
                break;
            case SafetensorsDType.I16:
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = BinaryPrimitives.ReadInt16LittleEndian(bytes[(2 * i)..]);
                }
                break;
            case SafetensorsDType.U16:
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..]);
                }
                break;
            case SafetensorsDType.I8:
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = (sbyte)bytes[i];
                }
                break;
            case SafetensorsDType.U8:
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = bytes[i];
                }
                break;
            case SafetensorsDType.BOOL:
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = bytes[i] == 0 ? 0 : 1;
                }
                break;
            default:
                throw new ModelException(
                    file.Path, info.Name, $"dtype {info.DType} cannot be read as {target}");
        }
        return values;
    }
}
