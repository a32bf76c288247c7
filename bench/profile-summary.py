#!/usr/bin/env python3
"""Summary of bench/profile.sh's collapsed stacks: the share of samples in the kernel by the
system call and the Java frame that made it, where threads were woken and parked, and the
frames (self and inclusive) with the most samples.

    bench/profile-summary.py <file.collapsed> [frames to list]
"""
import collections
import sys

path = sys.argv[1]
top = int(sys.argv[2]) if len(sys.argv) > 2 else 25
total = 0
kernel = collections.Counter()
own = collections.Counter()
inclusive = collections.Counter()
for line in open(path):
    stack, count = line.rsplit(' ', 1)
    n = int(count)
    frames = stack.split(';')
    total += n
    own[frames[-1]] += n
    for f in set(frames):
        inclusive[f] += n
    k = next((i for i, f in enumerate(frames) if f.endswith('_[k]')), None)
    if k is not None:
        java = [f for f in frames[:k] if '/' in f]
        kernel[(frames[k - 1] if k > 0 else '?', java[-1] if java else '-')] += n

def pct(n):
    return f'{100.0 * n / total:5.1f}%'

print(f'{total} samples; in the kernel: {pct(sum(kernel.values()))}')
print('\nsystem calls (native caller, Java caller):')
for (native, java), n in kernel.most_common(10):
    print(pct(n), native, '<', java)
print('\nself:')
for f, n in own.most_common(top):
    print(pct(n), f[:160])
print('\ninclusive (tandem, pekko, netty, jackson, cassandra frames):')
keep = ('io/tandem', 'org/apache/pekko', 'io/netty', 'com/fasterxml', 'org/apache/cassandra',
        'com/datastax')
shown = 0
for f, n in inclusive.most_common():
    if f.startswith(keep) and 'Lambda' not in f and 'anonfun' not in f:
        print(pct(n), f[:160])
        shown += 1
        if shown >= top:
            break
