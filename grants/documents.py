"""Documents attached to grant requests: their type read from the bytes, everything but the content removed.

Only PDF, JPEG and PNG are taken. The type comes from the file's own first
bytes, never from its name or the Content-Type the client sent, and the file
is then parsed whole by the library for that type alone: a file that does not
parse is refused. What is kept is rewritten so that nothing but the content
survives: images are re-encoded from their pixels (after applying the EXIF
orientation), PDFs lose their document information dictionary, every XMP
metadata stream and everything a viewer would run or fetch: scripts, actions
that leave the document, embedded files, media. No message here quotes the
file or its name.
"""

import io
import unicodedata
import warnings
from dataclasses import dataclass

import pikepdf
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from grants import exceptions as exc

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
CONTENT_TYPES = (PDF, JPEG, PNG)
EXTENSIONS = {PDF: "pdf", JPEG: "jpg", PNG: "png"}

# A PDF's header may legally start later, but a document that does not open with it is refused.
_MAGIC = ((b"%PDF-", PDF), (b"\xff\xd8\xff", JPEG), (b"\x89PNG\r\n\x1a\n", PNG))
# Pillow's plugins that may parse each image type (a phone's JPEG with several frames opens as MPO).
_PILLOW_FORMATS = {JPEG: ("JPEG",), PNG: ("PNG",)}
# Decoding is bounded by pixels, not bytes: a small PNG can inflate to gigabytes.
MAX_IMAGE_PIXELS = 50_000_000
JPEG_QUALITY = 90
FILENAME_LIMIT = 200
# Dictionary keys that carry a producer's private data or metadata, anywhere in a PDF.
_PDF_METADATA_KEYS = ("/Metadata", "/PieceInfo")
# Files carried inside a PDF: a file specification's embedded streams, and PDF 2.0's associated
# files, which any dictionary (the catalogue, a page, an annotation, an XObject) may list.
_PDF_FILE_KEYS = ("/EF", "/AF")
# A reviewer opens these documents; one sent to unmask reviewers would run a script, open a
# web address (telling its server who opened the file, from where and when), submit a form,
# launch a program or play media. Of all actions only moving within the document is kept.
_PDF_SAFE_ACTION = pikepdf.Name.GoTo
_PDF_ACTIVE_ANNOTATIONS = frozenset(
    pikepdf.Name(name) for name in ("/FileAttachment", "/RichMedia", "/Movie", "/Sound", "/Screen", "/3D")
)


@dataclass(frozen=True)
class CleanDocument:
    """A document as it will be stored: its content only, and its type as read from its bytes."""

    content: bytes
    content_type: str

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.content_type]


def content_type_detect(data: bytes) -> str:
    """PDF, JPEG or PNG, from the magic number at the start of the bytes; anything else is refused."""
    for magic, content_type in _MAGIC:
        if data.startswith(magic):
            return content_type
    raise exc.AttachmentTypeUnsupported()


def document_clean(data: bytes) -> CleanDocument:
    """The document parsed as the type its bytes say, rewritten with its metadata removed."""
    content_type = content_type_detect(data)
    if content_type == PDF:
        return CleanDocument(content=_pdf_clean(data), content_type=PDF)
    return CleanDocument(content=_image_clean(data, content_type), content_type=content_type)


def filename_clean(name: str | None) -> str | None:
    """The last part of a client's file name, without control or invisible characters, or None."""
    if not name:
        return None
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    kept = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    return kept[:FILENAME_LIMIT] or None


def _image_clean(data: bytes, content_type: str) -> bytes:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=_PILLOW_FORMATS[content_type]) as image:
                if image.width * image.height > MAX_IMAGE_PIXELS:
                    raise exc.AttachmentTooLarge(
                        _("An image may hold at most %(pixels)s pixels; scale it down and try again.")
                        % {"pixels": f"{MAX_IMAGE_PIXELS:,}"}
                    )
                image.load()
                upright = ImageOps.exif_transpose(image)
                pixels = _pixels_only(upright)
    except exc.GrantsError:
        raise
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError, Warning):
        raise exc.AttachmentUnreadable() from None
    out = io.BytesIO()
    if content_type == JPEG:
        pixels.save(out, "JPEG", quality=JPEG_QUALITY)
    else:
        pixels.save(out, "PNG")
    return out.getvalue()


def _pixels_only(image: Image.Image) -> Image.Image:
    """A new image from the pixels alone: no EXIF, XMP, ICC profile, comment or text chunk comes along."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        mode = "RGBA"
    elif image.mode in ("L", "1"):
        mode = "L"
    else:
        mode = "RGB"
    converted = image.convert(mode)
    return Image.frombytes(mode, converted.size, converted.tobytes())


def _pdf_clean(data: bytes) -> bytes:
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            if len(pdf.pages) == 0:
                raise exc.AttachmentUnreadable(_("The PDF has no pages."))
            # The document information dictionary, and the file's identifier, which can tie it
            # to the copy the requester still holds: qpdf makes a new one from the content.
            for key in ("/Info", "/ID"):
                if key in pdf.trailer:
                    del pdf.trailer[key]
            _pdf_inert(pdf)
            for obj in pdf.objects:
                if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
                    for key in (*_PDF_METADATA_KEYS, *_PDF_FILE_KEYS):
                        if key in obj:
                            del obj[key]
            out = io.BytesIO()
            # Every reachable object is written anew: older revisions and their metadata are dropped.
            pdf.save(out, fix_metadata_version=False, deterministic_id=True, compress_streams=False)
    except pikepdf.PasswordError:
        raise exc.AttachmentUnreadable(
            _("A password-protected PDF cannot be taken; save it without the password and try again.")
        ) from None
    except exc.GrantsError:
        raise
    except (pikepdf.PdfError, pikepdf.ForeignObjectError, ValueError, RecursionError):
        raise exc.AttachmentUnreadable() from None
    return out.getvalue()


def _pdf_inert(pdf: pikepdf.Pdf) -> None:
    """Remove what a viewer would run or fetch: scripts, outward actions, embedded files, media."""
    root = pdf.Root
    for key in ("/OpenAction", "/AA"):
        if key in root:
            del root[key]
    names = root.get("/Names")
    if isinstance(names, pikepdf.Dictionary):
        for key in ("/JavaScript", "/EmbeddedFiles"):
            if key in names:
                del names[key]
    form = root.get("/AcroForm")
    if isinstance(form, pikepdf.Dictionary) and "/XFA" in form:
        del form["/XFA"]  # XFA forms carry their own scripts
    for page in pdf.pages:
        _actions_drop(page.obj)
        annotations = page.obj.get("/Annots")
        if isinstance(annotations, pikepdf.Array):
            kept = [
                annotation
                for annotation in annotations
                if not (
                    isinstance(annotation, pikepdf.Dictionary)
                    and annotation.get("/Subtype") in _PDF_ACTIVE_ANNOTATIONS
                )
            ]
            for annotation in kept:
                if isinstance(annotation, pikepdf.Dictionary):
                    _actions_drop(annotation)
            page.obj.Annots = pikepdf.Array(kept)
    # Outline items, form fields and annotations elsewhere carry actions too.
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Dictionary):
            _actions_drop(obj)


def _actions_drop(obj: pikepdf.Dictionary) -> None:
    for key in ("/AA", "/AF"):  # the annotations that are not objects of their own lose their files here
        if key in obj:
            del obj[key]
    action = obj.get("/A")
    if isinstance(action, pikepdf.Dictionary):
        if action.get("/S") != _PDF_SAFE_ACTION:
            del obj["/A"]
        elif "/Next" in action:
            del action["/Next"]  # a move within the document may chain a script after it
