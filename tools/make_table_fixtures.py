#!/usr/bin/env python3
"""Writes the fixtures of tests/unit/test_table.c into tests/data/table/.

An independent writer: workbooks are zip archives of hand-written
SpreadsheetML (ECMA-376 Part 1) made with Python's zipfile, no spreadsheet
library, so the reader in runtime/xlsx.c is checked against files it did
not make. Output is deterministic (fixed zip timestamps).

    python3 tools/make_table_fixtures.py            # from the source root

Also writes imdb-slice.csv.gz: the header and the first 40 rows of
examples/data/imdb-50k/imdb-test.csv.gz, plus the longest review of the
data set (13,704 characters, row 2352 of imdb-train.csv.gz; the longest in
the test file has 12,988), gzip'ed with a fixed mtime.
"""
import csv
import gzip
import io
import os
import sys
import zipfile

OUT = os.path.join("tests", "data", "table")
STAMP = (2026, 11, 28, 0, 0, 0)

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
{overrides}
</Types>
"""

ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>
"""

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
REL_SHEET = NS_REL + "/worksheet"
REL_SST = NS_REL + "/sharedStrings"


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def workbook(sheets):
    """sheets: list of (name, part) in tab order."""
    items = "".join(
        f'<sheet name="{esc(name)}" sheetId="{i + 1}" r:id="rId{i + 1}"/>'
        for i, (name, _) in enumerate(sheets))
    wb = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
          f'<workbook xmlns="{NS_MAIN}" xmlns:r="{NS_REL}">'
          f'<sheets>{items}</sheets></workbook>\n')
    rels = "".join(
        f'<Relationship Id="rId{i + 1}" Type="{REL_SHEET}" Target="{part}"/>'
        for i, (_, part) in enumerate(sheets))
    rels += (f'<Relationship Id="rId{len(sheets) + 1}" Type="{REL_SST}" '
             f'Target="sharedStrings.xml"/>')
    wb_rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
               '<Relationships xmlns="http://schemas.openxmlformats.org/'
               f'package/2006/relationships">{rels}</Relationships>\n')
    return wb, wb_rels


def shared_strings(strings):
    items = "".join(f'<si><t xml:space="preserve">{esc(s)}</t></si>'
                    for s in strings)
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<sst xmlns="{NS_MAIN}" count="{len(strings)}" '
            f'uniqueCount="{len(strings)}">{items}</sst>\n')


def sheet(rows):
    """rows: list of (row number, [cell xml strings])."""
    body = "".join(f'<row r="{r}">{"".join(cells)}</row>' for r, cells in rows)
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<worksheet xmlns="{NS_MAIN}" xmlns:r="{NS_REL}">'
            f'<dimension ref="A1:C9"/><sheetData>{body}</sheetData>'
            f'</worksheet>\n')


def num(ref, v):
    return f'<c r="{ref}"><v>{v}</v></c>'


def sst(ref, i):
    return f'<c r="{ref}" t="s"><v>{i}</v></c>'


def inline(ref, text):
    return f'<c r="{ref}" t="inlineStr"><is><t>{esc(text)}</t></is></c>'


def boolean(ref, v):
    return f'<c r="{ref}" t="b"><v>{v}</v></c>'


def write_zip(path, parts):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts:
            info = zipfile.ZipInfo(name, STAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, text.encode("utf-8"))


def workbook_parts(sheets, strings):
    """sheets: list of (name, part name under xl/, xml)."""
    wb, wb_rels = workbook([(n, p) for n, p, _ in sheets])
    overrides = "".join(
        f'<Override PartName="/xl/{p}" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for _, p, _ in sheets)
    parts = [("[Content_Types].xml", CONTENT_TYPES.format(overrides=overrides)),
             ("_rels/.rels", ROOT_RELS),
             ("xl/workbook.xml", wb),
             ("xl/_rels/workbook.xml.rels", wb_rels),
             ("xl/sharedStrings.xml", shared_strings(strings))]
    parts += [(f"xl/{p}", xml) for _, p, xml in sheets]
    return parts


def book():
    """Two sheets. Data: a header of shared strings; numbers, shared and
    inline strings, a boolean, a sparse row (no B5), an empty row element
    and a skipped row number. Notes: a second sheet, read by name."""
    strings = ["month", "passengers", "note", "first", "caf\u00e9 \u2615",
               "  spaced  ", "line\nbreak"]
    data = sheet([
        (1, [sst("A1", 0), sst("B1", 1), sst("C1", 2)]),
        (2, [inline("A2", "1949-01"), num("B2", "112"), sst("C2", 3)]),
        (3, [inline("A3", "1949-02"), num("B3", "118.5"), sst("C3", 4)]),
        (4, [inline("A4", "1949-03"), num("B4", "1.32E2"), sst("C4", 5)]),
        (5, [inline("A5", "1949-04"), sst("C5", 6)]),
        (6, []),
        (8, [inline("A8", "1949-05"), num("B8", "-0.25"), boolean("C8", 1)]),
    ])
    notes = sheet([
        (1, [inline("A1", "key"), inline("B1", "value")]),
        (2, [inline("A2", "source"), inline("B2", "hand-written XML")]),
        (3, [inline("A3", "rows"), num("B3", "5")]),
    ])
    return workbook_parts([("Data", "worksheets/sheet1.xml", data),
                           ("Notes", "worksheets/sheet2.xml", notes)], strings)


def one_sheet(rows, strings=()):
    return workbook_parts([("Sheet1", "worksheets/sheet1.xml", sheet(rows))],
                          list(strings))


def read_gz_csv(name):
    src = os.path.join("examples", "data", "imdb-50k", name)
    with gzip.open(src, "rt", encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def imdb_slice():
    rows = read_gz_csv("imdb-test.csv.gz")
    header, body = rows[0], rows[1:]
    longest = max(read_gz_csv("imdb-train.csv.gz")[1:],
                  key=lambda r: len(r[0]))
    assert len(longest[0]) == 13704, len(longest[0])
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(header)
    w.writerows(body[:40])
    w.writerow(longest)
    raw = out.getvalue().encode("utf-8")
    with open(os.path.join(OUT, "imdb-slice.csv.gz"), "wb") as f:
        with gzip.GzipFile(fileobj=f, mode="wb", mtime=0,
                           filename="") as g:
            g.write(raw)


def main():
    if not os.path.isdir("tools"):
        sys.exit("run from the source root")
    os.makedirs(OUT, exist_ok=True)
    write_zip(os.path.join(OUT, "book.xlsx"), book())
    # a formula without a cached value in B3
    write_zip(os.path.join(OUT, "formula.xlsx"), one_sheet([
        (1, [inline("A1", "x"), inline("B1", "y")]),
        (2, [num("A2", "1"), num("B2", "2")]),
        (3, [num("A3", "2"), '<c r="B3"><f>A3*2</f></c>']),
    ]))
    # a formula with its cached value, read as the value
    write_zip(os.path.join(OUT, "cached.xlsx"), one_sheet([
        (1, [inline("A1", "x"), inline("B1", "y")]),
        (2, [num("A2", "3"), '<c r="B2"><f>A2*2</f><v>6</v></c>']),
    ]))
    # malformed XML in the sheet: </row> missing on line 3
    parts = one_sheet([(1, [inline("A1", "x")])])
    parts[-1] = ("xl/worksheets/sheet1.xml",
                 '<?xml version="1.0" encoding="UTF-8"?>\n'
                 f'<worksheet xmlns="{NS_MAIN}"><sheetData>\n'
                 '<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c>\n'
                 '</sheetData></worksheet>\n')
    write_zip(os.path.join(OUT, "malformed.xlsx"), parts)
    # a header with a gap: A1 and C1 but no B1
    write_zip(os.path.join(OUT, "gap-header.xlsx"), one_sheet([
        (1, [inline("A1", "a"), inline("C1", "c")]),
        (2, [num("A2", "1"), num("C2", "3")]),
    ]))
    # a value to the right of the header's last column
    write_zip(os.path.join(OUT, "wide-row.xlsx"), one_sheet([
        (1, [inline("A1", "a"), inline("B1", "b")]),
        (2, [num("A2", "1"), num("B2", "2")]),
        (3, [num("A3", "1"), num("D3", "4")]),
    ]))
    # a shared string index past the table
    write_zip(os.path.join(OUT, "bad-sst.xlsx"), one_sheet([
        (1, [sst("A1", 0)]),
        (2, [sst("A2", 7)]),
    ], ["name"]))
    # a document type declaration (an entity expansion attack would start
    # this way); SpreadsheetML never has one
    parts = one_sheet([(1, [inline("A1", "x")])])
    parts[-1] = ("xl/worksheets/sheet1.xml",
                 '<?xml version="1.0"?>\n'
                 '<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">]>\n'
                 f'<worksheet xmlns="{NS_MAIN}"><sheetData><row r="1">'
                 '<c r="A1" t="inlineStr"><is><t>&a;</t></is></c></row>'
                 '</sheetData></worksheet>\n')
    write_zip(os.path.join(OUT, "doctype.xlsx"), parts)
    # a zip archive without a workbook
    write_zip(os.path.join(OUT, "no-workbook.xlsx"),
              [("readme.txt", "not a workbook\n")])
    # a sheet without any value
    write_zip(os.path.join(OUT, "empty-sheet.xlsx"), one_sheet([(1, [])]))
    # not a zip at all
    with open(os.path.join(OUT, "not-a-zip.xlsx"), "w") as f:
        f.write("date,value\n1949-01,112\n")
    imdb_slice()


if __name__ == "__main__":
    main()
