#!/usr/bin/env python3
"""Renders pgbench scripts from templates with the service's own SQL.

The statements are read from the C++ sources (`const db::Statement kX{"name", "..." "..."}`),
so the database ceiling measured with pgbench is for exactly the SQL the service sends,
even as that SQL changes. A template line

    @orders.read_products $1=ARRAY[:pid] $2=:uid \\gset p_

becomes the statement named orders.read_products with each $n replaced by the value given
(a pgbench variable, a literal, or an expression such as ARRAY[:pid]); what follows the
arguments (e.g. a \\gset) is kept. Every other line is copied as it is.

usage: render.py TEMPLATE OUTPUT SOURCE.cpp...
"""
import re
import sys

STATEMENT = re.compile(
    r'db::Statement\s+\w+\s*\{\s*"([^"]+)"\s*,\s*((?:"(?:[^"\\]|\\.)*"\s*)+)\}', re.S)
LITERAL = re.compile(r'"((?:[^"\\]|\\.)*)"')
PLACEHOLDER = re.compile(r'\$(\d+)')


def statements(paths):
    found = {}
    for path in paths:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for name, literals in STATEMENT.findall(text):
            sql = "".join(LITERAL.findall(literals))
            sql = sql.replace('\\"', '"').replace("\\\\", "\\")
            found[name] = " ".join(sql.split())
    return found


def render_line(line, known, where):
    words = line.split()
    name = words[0][1:]
    if name not in known:
        sys.exit(f"{where}: statement '{name}' not found in the sources "
                 f"(known: {', '.join(sorted(known))})")
    args, rest = {}, []
    for word in words[1:]:
        m = re.fullmatch(r'\$(\d+)=(\S+)', word)
        if m and not rest:
            args[m.group(1)] = m.group(2)
        else:
            rest.append(word)
    sql = known[name]
    used = set(PLACEHOLDER.findall(sql))
    missing = used - set(args)
    if missing:
        sys.exit(f"{where}: statement '{name}' needs ${', $'.join(sorted(missing))}")
    extra = set(args) - used
    if extra:
        sys.exit(f"{where}: statement '{name}' has no ${', $'.join(sorted(extra))}")
    sql = PLACEHOLDER.sub(lambda m: args[m.group(1)], sql)
    tail = " ".join(rest)
    return f"{sql} {tail}" if tail.startswith("\\") else f"{sql};"


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    template, output, sources = sys.argv[1], sys.argv[2], sys.argv[3:]
    known = statements(sources)
    out = []
    with open(template, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if line.startswith("@"):
                out.append(render_line(line, known, f"{template}:{number}"))
            else:
                out.append(line)
    with open(output, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
