#!/usr/bin/env python3
"""Renders pgbench scripts from templates with the service's own SQL.

The statements are read from the C++ sources (`const db::Statement kX{"name", "..." "..."}`),
so the database ceiling measured with pgbench is for exactly the SQL the service sends,
even as that SQL changes. A template line

    @orders.read_products $1=ARRAY[:pid] $2=:uid \\gset p_

becomes the statement named orders.read_products with each $n replaced by the value given
(a pgbench variable, a literal, or an expression such as ARRAY[:pid]); what follows the
arguments (e.g. a \\gset) is kept. A statement can also sit inside a line, in braces:

    SELECT count(*) AS n FROM ({@points.charge_batch $1=b.uids $2=b.amounts $3=1}) c \\gset

becomes that line with the statement (no semicolon) in place of the braces, so a template
can aggregate a statement's rows into one for \\gset. Every other line is copied as it is.

usage: render.py TEMPLATE OUTPUT SOURCE.cpp...
"""
import re
import sys

STATEMENT = re.compile(
    r'db::Statement\s+\w+\s*\{\s*"([^"]+)"\s*,\s*((?:"(?:[^"\\]|\\.)*"\s*)+)\}', re.S)
# A batched write's statements (src/platform/db/batch_statements.hpp): its name, the batch
# function's call, how many parameters the call has, and the answer's columns. Its `run`
# statement is rendered as BatchStatements builds it: the columns, from the call with the
# batch's token as the last argument ($n+1).
BATCH = re.compile(
    r'db::BatchStatements\s+\w+\s*\{\s*"([^"]+)"\s*,\s*"([^"]+)"\s*,\s*(\d+)\s*,\s*'
    r'\{((?:\s*\{\s*"\w+"\s*,\s*"\w+"\s*\}\s*,?)+)\s*\}\s*\}', re.S)
COLUMN = re.compile(r'\{\s*"(\w+)"\s*,\s*"\w+"\s*\}')
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
        for name, call, params, columns in BATCH.findall(text):
            close = call.rfind(")")
            with_token = f"{call[:close]}, ${int(params) + 1}::bigint{call[close:]}"
            names = ", ".join(f"r.{c}" for c in COLUMN.findall(columns))
            found[name] = f"SELECT {names} FROM {with_token} AS r"
    return found


EMBEDDED = re.compile(r'\{@([\w.]+)((?:\s+[^\s{}]+)*)\s*\}')


def render_statement(name, words, known, where):
    """(the statement with its $n replaced, the words after the arguments)"""
    if name not in known:
        sys.exit(f"{where}: statement '{name}' not found in the sources "
                 f"(known: {', '.join(sorted(known))})")
    args, rest = {}, []
    for word in words:
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
    return PLACEHOLDER.sub(lambda m: args[m.group(1)], sql), rest


def render_line(line, known, where):
    if not line.startswith("@"):
        def embedded(m):
            sql, rest = render_statement(m.group(1), m.group(2).split(), known, where)
            if rest:
                sys.exit(f"{where}: '{' '.join(rest)}' is not an argument of {m.group(1)}")
            return sql
        rendered = EMBEDDED.sub(embedded, line)
        if "{@" in rendered:
            sys.exit(f"{where}: an embedded statement must read {{@name $1=... $2=...}}")
        return rendered
    words = line.split()
    sql, rest = render_statement(words[0][1:], words[1:], known, where)
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
            if line.startswith("@") or ("{@" in line and not line.lstrip().startswith("--")):
                out.append(render_line(line, known, f"{template}:{number}"))
            else:
                out.append(line)
    with open(output, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
