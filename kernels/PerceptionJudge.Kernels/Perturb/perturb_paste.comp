#version 450
#extension GL_GOOGLE_include_directive : require
// Masked paste (see PixelMath.PasteRow), one invocation per pixel (x, y) of the clipped destination rectangle:
// the source point s = from.XY + ((x, y) − to.XY + ½)·from.Size/to.Size − ½ is sampled bilinearly in every channel
// (edge replication) together with the source mask's coverage m there (0 outside the image), and where m > 0 the
// pixel becomes d + (v − d)·m. `precise` keeps the host's operation order: bit-exact.
#define WG 256
layout(local_size_x = WG) in;

layout(std430, set = 0, binding = 0) readonly buffer Src { float src[]; };
layout(std430, set = 0, binding = 1) buffer Dst { float dst[]; };
layout(std430, set = 0, binding = 2) readonly buffer Mask { uint mask[]; }; // coverage bytes, four per word

layout(push_constant) uniform Push
{
    uint width;
    uint height;
    uint channels;
    int fromX;
    int fromY;
    int toX;
    int toY;
    uint clipX;
    uint clipY;
    uint clipWidth;
    uint clipPixels;
    float kx; // from.Width / to.Width
    float ky; // from.Height / to.Height
    float coverScale; // 1f / 255f
} pc;

#include "pixel_math.glsl"

float maskAt(int x, int y)
{
    if (x < 0 || y < 0 || x >= int(pc.width) || y >= int(pc.height))
    {
        return 0.0;
    }

    uint i = uint(y) * pc.width + uint(x);
    return maskByte(mask[i >> 2], i);
}

float lerpPrecise(float a, float b, float t)
{
    precise float v = a + (b - a) * t;
    return v;
}

void main()
{
    uint k = (gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x) * WG + gl_LocalInvocationIndex;
    if (k >= pc.clipPixels)
    {
        return;
    }

    int x = int(pc.clipX + k % pc.clipWidth), y = int(pc.clipY + k / pc.clipWidth);
    precise float sy = float(pc.fromY) + (float(y - pc.toY) + 0.5) * pc.ky - 0.5;
    precise float sx = float(pc.fromX) + (float(x - pc.toX) + 0.5) * pc.kx - 0.5;
    float fx0 = floor(sx), fy0 = floor(sy);
    precise float fx = sx - fx0;
    precise float fy = sy - fy0;
    int mx = int(fx0), my = int(fy0);
    float top = lerpPrecise(maskAt(mx, my), maskAt(mx + 1, my), fx);
    float bottom = lerpPrecise(maskAt(mx, my + 1), maskAt(mx + 1, my + 1), fx);
    precise float m = lerpPrecise(top, bottom, fy) * pc.coverScale;
    if (m <= 0.0)
    {
        return;
    }

    int w = int(pc.width), h = int(pc.height);
    int x0 = clamp(mx, 0, w - 1), x1 = clamp(mx + 1, 0, w - 1);
    int y0 = clamp(my, 0, h - 1), y1 = clamp(my + 1, 0, h - 1);
    uint plane = pc.width * pc.height;
    uint at = uint(y) * pc.width + uint(x);
    for (uint c = 0; c < pc.channels; ++c)
    {
        uint p = c * plane;
        float t = lerpPrecise(src[p + uint(y0 * w + x0)], src[p + uint(y0 * w + x1)], fx);
        float b = lerpPrecise(src[p + uint(y1 * w + x0)], src[p + uint(y1 * w + x1)], fx);
        float v = lerpPrecise(t, b, fy);
        float d = dst[p + at];
        dst[p + at] = lerpPrecise(d, v, m);
    }
}
