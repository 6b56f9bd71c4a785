"""Documents made for the tests: each carries a marker in its metadata (and the PDF one in its text too)."""

import io

import pikepdf
from PIL import Image, PngImagePlugin

EXIF_ORIENTATION = 0x0112
EXIF_IMAGE_DESCRIPTION = 0x010E
EXIF_GPS_IFD = 0x8825
GPS_LATITUDE_REF, GPS_LATITUDE, GPS_LONGITUDE_REF, GPS_LONGITUDE = 1, 2, 3, 4


def jpeg_with_gps(marker: str, *, width: int = 40, height: int = 20) -> bytes:
    """A JPEG whose EXIF holds GPS coordinates, the marker, and orientation 6 (turn 90° to show upright).

    The marker is also in a comment, an XMP packet and an ICC profile.
    """
    image = Image.new("RGB", (width, height), (200, 30, 30))
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = 6
    exif[EXIF_IMAGE_DESCRIPTION] = marker
    gps = exif.get_ifd(EXIF_GPS_IFD)
    gps[GPS_LATITUDE_REF], gps[GPS_LATITUDE] = "N", (0.0, 19.0, 6.0)
    gps[GPS_LONGITUDE_REF], gps[GPS_LONGITUDE] = "E", (32.0, 35.0, 2.0)
    xmp = f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description>{marker}</rdf:Description></x:xmpmeta>'
    out = io.BytesIO()
    image.save(
        out,
        "JPEG",
        exif=exif.tobytes(),
        comment=marker.encode(),
        xmp=xmp.encode(),
        icc_profile=b"ICC" + marker.encode(),
    )
    return out.getvalue()


def png_with_text(marker: str) -> bytes:
    """A PNG with tEXt, zTXt and iTXt chunks carrying the marker."""
    image = Image.new("RGBA", (30, 10), (10, 120, 10, 200))
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", marker)
    info.add_text("Author", marker, zip=True)
    info.add_itxt("Description", marker, lang="en")
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=info)
    return out.getvalue()


def pdf_with_metadata(marker: str, *, text: str = "") -> bytes:
    """A one-page PDF with the marker as /Author and in its XMP metadata; `text` is drawn on the page."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["dc:creator"] = [marker]
    pdf.docinfo["/Author"] = marker
    if text:
        font = pdf.make_indirect(
            pikepdf.Dictionary(
                Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
            )
        )
        page = pdf.pages[0]
        page.obj.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
        page.obj.Contents = pdf.make_stream(f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode())
    out = io.BytesIO()
    pdf.save(out, compress_streams=False, object_stream_mode=pikepdf.ObjectStreamMode.disable)
    return out.getvalue()


def encrypted_pdf() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    out = io.BytesIO()
    pdf.save(out, encryption=pikepdf.Encryption(owner="owner", user="secret"))
    return out.getvalue()
