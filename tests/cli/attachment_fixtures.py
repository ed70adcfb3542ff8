"""Files for the attachment and PDF tests, made at test time (no binary
fixture in the tree): a PNG of one pixel, a PDF with one text line per page,
an encrypted PDF (the standard security handler with a user password, so
that it cannot be opened without one), sparse files of any size."""
import struct
import zlib


def png(width=1, height=1):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def pdf(pages, encrypted=False, pad=0):
    """A valid PDF 1.4 whose page N shows pages[N-1] (ASCII) in Helvetica;
    `pad` bytes of comment after the header make it as large as a test needs."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               ("<< /Type /Pages /Kids [%s] /Count %d >>" %
                (" ".join("%d 0 R" % (4 + 2 * i) for i in range(len(pages))), len(pages))).encode(),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    for i, text in enumerate(pages):
        stream = ("BT /F1 18 Tf 72 700 Td (%s) Tj ET" % text).encode()
        objects.append(("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                        "/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (5 + 2 * i)).encode())
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    if encrypted:
        # RC4 40-bit, revision 2, with O and U that no empty password
        # matches: a reader must ask for the user password.
        objects.append(b"<< /Filter /Standard /V 1 /R 2 /P -4 /O <" + b"ab" * 32 + b"> /U <" + b"cd" * 32 + b"> >>")
    out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    if pad:
        out += b"%" + b"x" * pad + b"\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    trailer = b"<< /Size %d /Root 1 0 R" % (len(objects) + 1)
    if encrypted:
        trailer += b" /Encrypt %d 0 R /ID [<0123456789abcdef0123456789abcdef> <0123456789abcdef0123456789abcdef>]" % len(objects)
    out += b"trailer\n" + trailer + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return out


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)
    return path


def sparse(path, size, head=b""):
    """A file of `size` bytes that takes no disk space (beyond `head`)."""
    with open(path, "wb") as f:
        f.write(head)
        f.truncate(size)
    return path
