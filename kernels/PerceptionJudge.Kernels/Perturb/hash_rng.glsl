// HashRng (SplitMix64 finaliser over seed + (counter + 1)·φ64) in 32-bit GLSL: a 64-bit value is a uvec2
// (x = low word, y = high word), multiplied with umulExtended and added with uaddCarry, so no shaderInt64 is needed
// and every draw equals the host's bit for bit. Float constants are given as their exact bits.

uvec2 add64(uvec2 a, uvec2 b)
{
    uint carry;
    uint lo = uaddCarry(a.x, b.x, carry);
    return uvec2(lo, a.y + b.y + carry);
}

// The low 64 bits of a·b.
uvec2 mul64(uvec2 a, uvec2 b)
{
    uint hi, lo;
    umulExtended(a.x, b.x, hi, lo);
    return uvec2(lo, hi + a.x * b.y + a.y * b.x);
}

// a ^ (a >> s) for 0 < s < 32.
uvec2 xorShift(uvec2 a, uint s)
{
    return a ^ uvec2((a.x >> s) | (a.y << (32u - s)), a.y >> s);
}

// HashRng.Mix(seed, counter) for a 32-bit counter.
uvec2 hashMix(uvec2 seed, uint counter)
{
    uvec2 c = add64(uvec2(counter, 0u), uvec2(1u, 0u));
    uvec2 z = add64(seed, mul64(c, uvec2(0x7F4A7C15u, 0x9E3779B9u)));
    z = mul64(xorShift(z, 30u), uvec2(0x1CE4E5B9u, 0xBF58476Du));
    z = mul64(xorShift(z, 27u), uvec2(0x133111EBu, 0x94D049BBu));
    return xorShift(z, 31u);
}

// HashRng.Normal: (Σ of the four 16-bit fields · (1/65535) − 2) · √3, in float as on the host.
float hashNormal(uvec2 seed, uint counter)
{
    uvec2 h = hashMix(seed, counter);
    uint s = (h.x & 0xFFFFu) + (h.x >> 16) + (h.y & 0xFFFFu) + (h.y >> 16);
    precise float u = float(s) * uintBitsToFloat(0x37800080u); // 1f / 65535f
    precise float centred = u - 2.0;
    return centred * uintBitsToFloat(0x3FDDB3D7u); // 1.7320508f
}
