using PerceptionJudge.Kernels.Perturb;

namespace PerceptionJudge.Kernels.Tests.Perturb;

/// <summary>Seeded test images and masks for the perturbation fixtures.</summary>
internal static class PerturbImages
{
    public static float[] Random(ImageShape s, int salt = 0)
    {
        var rng = Support.TestRandom.Create(salt);
        var a = new float[s.Size];
        for (int i = 0; i < a.Length; i++)
        {
            a[i] = (float)rng.NextDouble();
        }

        return a;
    }

    public static float[] Constant(ImageShape s, float r, float g, float b)
    {
        var a = new float[s.Size];
        for (int c = 0; c < s.Channels; c++)
        {
            Array.Fill(a, c switch { 0 => r, 1 => g, 2 => b, _ => 1f }, c * s.Plane, s.Plane);
        }

        return a;
    }

    /// <summary>A smooth background (horizontal ramp) with a flat-coloured disk drawn with a hard edge.</summary>
    public static (float[] Image, byte[] Mask) Disk(ImageShape s, int cx, int cy, int radius, Rgb colour)
    {
        var img = new float[s.Size];
        var mask = new byte[s.Plane];
        for (int y = 0; y < s.Height; y++)
        {
            for (int x = 0; x < s.Width; x++)
            {
                int i = y * s.Width + x;
                bool inside = (x - cx) * (x - cx) + (y - cy) * (y - cy) <= radius * radius;
                mask[i] = inside ? (byte)255 : (byte)0;
                for (int c = 0; c < s.Channels; c++)
                {
                    img[c * s.Plane + i] = inside ? (c < 3 ? colour[c] : 1f) : 0.2f + 0.6f * x / s.Width;
                }
            }
        }

        return (img, mask);
    }

    public static byte[] RectMask(ImageShape s, PixelRect r)
    {
        var m = new byte[s.Plane];
        var c = r.Clip(s.Width, s.Height);
        for (int y = c.Y; y < c.Bottom; y++)
        {
            Array.Fill(m, (byte)255, y * s.Width + c.X, c.Width);
        }

        return m;
    }

    /// <summary>Asserts a and b differ only at pixels (all channels) where allowed(x, y) is true.</summary>
    public static void AssertChangedOnlyWhere(float[] before, float[] after, ImageShape s, Func<int, int, bool> allowed,
        string what)
    {
        for (int c = 0; c < s.Channels; c++)
        {
            for (int i = 0; i < s.Plane; i++)
            {
                int x = i % s.Width, y = i / s.Width;
                if (!allowed(x, y) && BitConverter.SingleToInt32Bits(before[c * s.Plane + i])
                    != BitConverter.SingleToInt32Bits(after[c * s.Plane + i]))
                {
                    Assert.Fail($"{what}: pixel ({x},{y}) channel {c} changed outside its region");
                }
            }
        }
    }

    public static int CountChanged(float[] a, float[] b) => a.Zip(b).Count(p => p.First != p.Second);
}
