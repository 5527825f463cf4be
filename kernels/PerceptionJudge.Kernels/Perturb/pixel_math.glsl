// PixelMath's scalar formulas in GLSL with `precise` (no fused or reordered float operations), so each pixel equals
// the host's bits. Needs nothing but core GLSL.

float clamp01(float x)
{
    return x < 0.0 ? 0.0 : (x > 1.0 ? 1.0 : x);
}

// Rec. 601 luma 0.299f·r + 0.587f·g + 0.114f·b, added left to right.
float luma(float r, float g, float b)
{
    precise float l = uintBitsToFloat(0x3E991687u) * r + uintBitsToFloat(0x3F1645A2u) * g;
    precise float total = l + uintBitsToFloat(0x3DE978D5u) * b;
    return total;
}

// The coverage byte of pixel i from masks packed four per uint (little-endian, as the host's byte span).
float maskByte(uint packedWord, uint i)
{
    return float((packedWord >> ((i & 3u) * 8u)) & 0xFFu);
}

// a / b close to the host's correctly rounded quotient: Vulkan lets `/` be 2.5 ulp off, so two Newton steps refine
// 1/b and one more corrects the quotient.
float divide(float a, float b)
{
    precise float y = 1.0 / b;
    y = fma(fma(-b, y, 1.0), y, y);
    y = fma(fma(-b, y, 1.0), y, y);
    precise float q = a * y;
    return fma(fma(-b, q, a), y, q);
}
