#version 450
// Cutout (see PixelMath.FillRect): every pixel of the clipped rectangle gets the colour in each colour channel;
// one invocation per rectangle pixel, alpha untouched.
#define WG 256
layout(local_size_x = WG) in;

layout(std430, set = 0, binding = 0) buffer Image { float image[]; };

layout(push_constant) uniform Push
{
    uint width;
    uint plane;
    uint colourChannels;
    uint x0;
    uint y0;
    uint rectWidth;
    uint rectPixels;
    float r, g, b;
} pc;

void main()
{
    uint k = (gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x) * WG + gl_LocalInvocationIndex;
    if (k >= pc.rectPixels)
    {
        return;
    }

    uint i = (pc.y0 + k / pc.rectWidth) * pc.width + pc.x0 + k % pc.rectWidth;
    float colour[3] = float[3](pc.r, pc.g, pc.b);
    for (uint c = 0; c < pc.colourChannels; ++c)
    {
        image[c * pc.plane + i] = colour[c];
    }
}
