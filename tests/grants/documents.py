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


def pdf_with_active_content(beacon: str) -> bytes:
    """A two-page PDF that would call `beacon` (a web address) every way a viewer lets it.

    A script on opening, in the name tree and on a page; a link to the address;
    a launch action; an embedded file and a file-attachment annotation; an
    outline item with a script; and one harmless link to page 2, which stays.
    """
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.add_blank_page()
    first, second = pdf.pages[0], pdf.pages[1]

    def script(code: str) -> pikepdf.Dictionary:
        return pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String(code))

    call = f"app.launchURL('{beacon}', true);"
    pdf.Root.OpenAction = pdf.make_indirect(script(call))
    pdf.Root.AA = pikepdf.Dictionary(WC=script(call))
    embedded = pdf.make_stream(f"opened: {beacon}".encode())
    embedded.Type = pikepdf.Name.EmbeddedFile
    pdf.Root.Names = pikepdf.Dictionary(
        JavaScript=pikepdf.Dictionary(Names=pikepdf.Array([pikepdf.String("beacon"), script(call)])),
        EmbeddedFiles=pikepdf.Dictionary(
            Names=pikepdf.Array(
                [pikepdf.String("x.txt"), pikepdf.Dictionary(Type=pikepdf.Name.Filespec, EF={"/F": embedded})]
            )
        ),
    )
    first.obj.AA = pikepdf.Dictionary(O=script(call))
    rect = pikepdf.Array([72, 72, 200, 100])
    first.obj.Annots = pdf.make_indirect(
        pikepdf.Array(
            [
                pdf.make_indirect(
                    pikepdf.Dictionary(
                        Type=pikepdf.Name.Annot,
                        Subtype=pikepdf.Name.Link,
                        Rect=rect,
                        A=pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String(beacon)),
                    )
                ),
                pikepdf.Dictionary(  # a direct annotation, not an object of its own
                    Type=pikepdf.Name.Annot,
                    Subtype=pikepdf.Name.Link,
                    Rect=rect,
                    A=pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String(f"curl {beacon}")),
                ),
                pdf.make_indirect(
                    pikepdf.Dictionary(
                        Type=pikepdf.Name.Annot,
                        Subtype=pikepdf.Name.FileAttachment,
                        Rect=rect,
                        FS=pikepdf.Dictionary(Type=pikepdf.Name.Filespec, EF={"/F": embedded}),
                    )
                ),
                pdf.make_indirect(
                    pikepdf.Dictionary(
                        Type=pikepdf.Name.Annot,
                        Subtype=pikepdf.Name.Link,
                        Rect=rect,
                        A=pikepdf.Dictionary(
                            S=pikepdf.Name.GoTo,
                            D=pikepdf.Array([second.obj, pikepdf.Name.Fit]),
                            Next=script(call),
                        ),
                    )
                ),
            ]
        )
    )
    outline = pdf.make_indirect(pikepdf.Dictionary(Title=pikepdf.String("Read me"), A=script(call)))
    pdf.Root.Outlines = pdf.make_indirect(pikepdf.Dictionary(First=outline, Last=outline, Count=1))
    outline.Parent = pdf.Root.Outlines
    out = io.BytesIO()
    pdf.save(out, compress_streams=False, object_stream_mode=pikepdf.ObjectStreamMode.disable)
    return out.getvalue()
