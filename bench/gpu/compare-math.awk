# Compares two `pjudge math batch` outputs line by line:
#   awk -v cases=IN.jsonl -f compare-math.awk VULKAN.jsonl CPU.jsonl
# Every number of a line (quoted strings dropped) against the same-position number of the other run: the line's
# max |vulkan - cpu| over its max |cpu| (the parity suites' 1e-5 relative), or a count/error mismatch.
function numbers(line, out,    n) {
    gsub(/"[^"]*"/, " ", line)
    n = 0
    while (match(line, /-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?/)) {
        out[++n] = substr(line, RSTART, RLENGTH) + 0
        line = substr(line, RSTART + RLENGTH)
    }
    return n
}
FNR == NR { vulkan[FNR] = $0; next }
{
    if ((getline c < cases) > 0) { match(c, /"op":"[^"]*"/); op = substr(c, RSTART + 6, RLENGTH - 7) } else { op = "?" }
    if (vulkan[FNR] ~ /"error"/ || $0 ~ /"error"/) {
        printf "| %d | %s | error | vulkan: %s / cpu: %s |\n", FNR, op, substr(vulkan[FNR], 1, 120), substr($0, 1, 80)
        bad++; next
    }
    nv = numbers(vulkan[FNR], v); nc = numbers($0, w)
    if (nv != nc) { printf "| %d | %s | %d vs %d numbers | MISMATCH |\n", FNR, op, nv, nc; bad++; next }
    diff = 0; scale = 0
    for (i = 1; i <= nc; i++) {
        d = v[i] - w[i]; if (d < 0) d = -d
        s = w[i] < 0 ? -w[i] : w[i]
        if (d > diff) diff = d
        if (s > scale) scale = s
    }
    rel = scale > 0 ? diff / scale : diff
    status = rel <= 1e-5 ? "ok" : "DIFFERS"
    if (status != "ok") bad++; else good++
    printf "| %d | %s | %d | %.1e %s |\n", FNR, op, nc, rel, status
}
END { printf "\n%d of %d cases within 1e-5 relative; %d not\n", good, good + bad, bad + 0 }
