#version 450
#extension GL_GOOGLE_include_directive : require
// The affine warp (see PixelMath.AffineRow), one invocation per destination pixel: with the centre c = (W/2, H/2),
// d = p + ½ − c − t and the host's float M⁻¹, the source point is M⁻¹·d + c − ½, sampled bilinearly with edge
// replication (PixelMath.Bilinear) in every channel. `precise` keeps the host's operation order: bit-exact.
#define WG 256
layout(local_size_x = WG) in;

layout(std430, set = 0, binding = 0) readonly buffer Src { float src[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Dst { float dst[]; };

layout(push_constant) uniform Push
{
    uint width;
    uint height;
    uint channels;
    float translateX;
    float translateY;
    float i0, i1, i2, i3; // M⁻¹, row-major
} pc;

float bilinear(uint base, float sx, float sy)
{
    int w = int(pc.width), h = int(pc.height);
    float fx0 = floor(sx), fy0 = floor(sy);
    precise float fx = sx - fx0;
    precise float fy = sy - fy0;
    int x0 = clamp(int(fx0), 0, w - 1), x1 = clamp(int(fx0) + 1, 0, w - 1);
    int y0 = clamp(int(fy0), 0, h - 1), y1 = clamp(int(fy0) + 1, 0, h - 1);
    float a = src[base + uint(y0 * w + x0)], b = src[base + uint(y0 * w + x1)];
    float c = src[base + uint(y1 * w + x0)], d = src[base + uint(y1 * w + x1)];
    precise float top = a + (b - a) * fx;
    precise float bottom = c + (d - c) * fx;
    precise float v = top + (bottom - top) * fy;
    return v;
}

void main()
{
    uint k = (gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x) * WG + gl_LocalInvocationIndex;
    uint plane = pc.width * pc.height;
    if (k >= plane)
    {
        return;
    }

    float x = float(k % pc.width), y = float(k / pc.width);
    precise float cx = float(pc.width) * 0.5;
    precise float cy = float(pc.height) * 0.5;
    precise float dy = y + 0.5 - cy - pc.translateY;
    precise float dx = x + 0.5 - cx - pc.translateX;
    precise float sx = pc.i0 * dx + pc.i1 * dy + cx - 0.5;
    precise float sy = pc.i2 * dx + pc.i3 * dy + cy - 0.5;
    for (uint c = 0; c < pc.channels; ++c)
    {
        dst[c * plane + k] = bilinear(c * plane, sx, sy);
    }
}
