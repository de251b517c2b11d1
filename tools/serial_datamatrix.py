"""GS1 DataMatrix (ISO/IEC 16022 ECC 200 with FNC1 first) drawn by reportlab.

Why not reportlab's own `ECC200DataMatrix` (the symbology Odoo's stock lot label uses):
it only writes C40 encodation into one 44x44 symbol, starting with the C40 latch
(codeword 230), so it cannot put FNC1 (codeword 232) first, which is what makes a
DataMatrix a GS1 DataMatrix (symbology identifier ]d2); and its C40 table shifts the
characters : ; < = > ? @ to the wrong values (":" reads back as "^", "<" as FNC1),
so it garbles a URL too. `GS1DataMatrix` keeps reportlab's Reed-Solomon, module
placement and drawing and replaces the encodation: ASCII encodation (digit pairs in
one codeword), FNC1 first and as the separator after a variable-length element
string, in the smallest square symbol the data fits (10x10 to 48x48).

The data is the element string as a scanner transmits it: AIs and values, with
GS (ASCII 29) where FNC1 separates two element strings (tools/serial_label_codes.py
builds it). Odoo renders it through ir.actions.report.barcode() with the symbology
"GS1DataMatrix" (models/ir_actions_report.py)."""

from reportlab.graphics.barcode.ecc200datamatrix import ECC200DataMatrix
from reportlab.graphics.shapes import Drawing, Rect
from reportlab.lib.colors import black, white

SYMBOLOGY = "GS1DataMatrix"
FNC1 = "\x1d"  # GS: how FNC1 reads back after the first position
FNC1_CODEWORD = 232
UPPER_SHIFT = 235
PAD = 129

# square ECC 200 symbols with one Reed-Solomon block: (modules per side, data
# codewords, error correction codewords, data regions per side)
SYMBOL_SIZES = (
    (10, 3, 5, 1),
    (12, 5, 7, 1),
    (14, 8, 10, 1),
    (16, 12, 12, 1),
    (18, 18, 14, 1),
    (20, 22, 18, 1),
    (22, 30, 20, 1),
    (24, 36, 24, 1),
    (26, 44, 28, 1),
    (32, 62, 36, 2),
    (36, 86, 42, 2),
    (40, 114, 48, 2),
    (44, 144, 56, 2),
    (48, 174, 68, 2),
)


def ascii_codewords(data):
    """The GS1 DataMatrix codewords of `data` in ASCII encodation: FNC1 first, two
    digits in one codeword, GS as FNC1, characters above 127 after Upper Shift."""
    codewords = [FNC1_CODEWORD]
    index = 0
    while index < len(data):
        char = data[index]
        pair = data[index : index + 2]
        if len(pair) == 2 and pair.isascii() and pair.isdigit():
            codewords.append(130 + int(pair))
            index += 2
            continue
        code = ord(char)
        if char == FNC1:
            codewords.append(FNC1_CODEWORD)
        elif code < 128:
            codewords.append(code + 1)
        elif code < 256:
            codewords += [UPPER_SHIFT, code - 127]
        else:
            raise ValueError(f"{char!r} cannot be encoded in a DataMatrix")
        index += 1
    return codewords


def padded(codewords, capacity):
    """The codewords padded to `capacity` (ISO/IEC 16022 5.2.3: 129, then the
    253-state randomized pads)."""
    result = list(codewords)
    if len(result) < capacity:
        result.append(PAD)
    while len(result) < capacity:
        pseudo_random = (149 * (len(result) + 1)) % 253 + 1
        pad = PAD + pseudo_random
        result.append(pad - 254 if pad > 254 else pad)
    return result


def symbol_size(count):
    """The smallest square symbol holding `count` data codewords."""
    for size in SYMBOL_SIZES:
        if size[1] >= count:
            return size
    raise ValueError("Too much data for a GS1 DataMatrix")


class GS1DataMatrix(ECC200DataMatrix):
    """reportlab's ECC 200 symbol with GS1 ASCII encodation and the symbol's size
    chosen from the data (`encoded`: its modules, rows from the bottom)."""

    def __init__(self, value="", **kwargs):
        super().__init__(value=value, **kwargs)
        self.codewords = ascii_codewords(value)
        side, data_count, ecc_count, regions = symbol_size(len(self.codewords))
        self.row_modules = self.col_modules = side
        self.row_regions = self.col_regions = regions
        self.cw_data = data_count
        self.cw_ecc = ecc_count
        self.row_usable_modules = self.col_usable_modules = side - regions * 2

    def validate(self):
        self.valid = 1
        self.validated = self.value

    def encode(self):
        if hasattr(self, "encoded"):
            return self.encoded
        data = padded(self.codewords, self.cw_data)
        data += self._get_reed_solomon_code(data, self.cw_ecc)
        matrix = self._create_matrix(data)
        regions = self._create_data_regions(matrix)
        self.encoded = self._merge_data_regions(
            self._wrap_data_regions_with_finders(regions)
        )
        self.encoded.reverse()  # drawn from the bottom left corner
        return self.encoded

    def _create_matrix(self, data):
        matrix = super()._create_matrix(data)
        usable = self.row_usable_modules
        if usable * usable % 8:
            # the four modules no codeword fills: their fixed pattern (ISO/IEC
            # 16022 annex F), where reportlab leaves them light
            matrix[usable - 1][usable - 1] = matrix[usable - 2][usable - 2] = 1
        return matrix


def gs1_datamatrix_png(data, width, height, quiet=True):
    """The GS1 DataMatrix of the element string `data` as a PNG of at most `width` x
    `height` pixels (square), with a quiet zone of two modules when `quiet`."""
    symbol = GS1DataMatrix(value=data)
    symbol.validate()
    modules = symbol.encode()
    margin = 2 if quiet else 0
    side = len(modules) + 2 * margin
    scale = min(width, height) / side
    drawing = Drawing(side * scale, side * scale)
    drawing.add(
        Rect(0, 0, side * scale, side * scale, fillColor=white, strokeColor=None)
    )
    for y, row in enumerate(modules):
        for x, dark in enumerate(row):
            if dark:
                drawing.add(
                    Rect(
                        (margin + x) * scale,
                        (margin + y) * scale,
                        scale,
                        scale,
                        fillColor=black,
                        strokeColor=None,
                        strokeWidth=0,
                    )
                )
    return drawing.asString("png")
