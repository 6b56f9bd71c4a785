"""Documents attached to a request: only what their bytes prove them to be, stripped of metadata, sealed."""

import io

import pikepdf
import pytest
from PIL import Image

from grants import exceptions as exc
from grants import services
from grants.documents import document_clean, filename_clean
from grants.models import Attachment, GrantRequest
from tests.grants.documents import (
    encrypted_pdf,
    jpeg_with_gps,
    pdf_with_active_content,
    pdf_with_metadata,
    png_with_text,
)
from tests.grants.fixtures import marker
from tests.ledger.rawsql import as_owner, execute, rejected
from vault.api import access_log_list, subject_get
from vault.models import Subject

GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00" + b"\x00" * 30 + b";"


def downloaded(attachment: Attachment, reader_id=None, purpose="requester_own") -> bytes:
    return services.attachment_open(attachment=attachment, reader_id=reader_id, purpose=purpose).content


# --- what is kept of a document ------------------------------------------------------------------


def test_a_jpeg_keeps_its_pixels_upright_and_loses_exif_gps_comment_xmp_and_icc(apply):
    mark = marker("jpeg")
    original = jpeg_with_gps(mark, width=40, height=20)
    assert original.count(mark.encode()) >= 3  # the check below can fail
    draft = apply(submit=False)
    attachment = services.attachment_add(
        reference=draft.reference, requester=draft.requester, content=original, filename="notice.jpg"
    )
    stored = downloaded(attachment)
    assert mark.encode() not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG"
        assert image.size == (20, 40)  # EXIF orientation 6 applied before the EXIF went
        assert not image.getexif()
        assert not image.getexif().get_ifd(0x8825)
        assert "icc_profile" not in image.info and "xmp" not in image.info and "comment" not in image.info
        red, green, _blue = image.getpixel((10, 20))
        assert red > 150 and green < 80
    assert attachment.content_type == "image/jpeg"
    assert attachment.size == len(stored)


def test_a_png_loses_its_text_chunks_and_still_opens(apply):
    mark = marker("png")
    original = png_with_text(mark)
    assert mark.encode() in original
    draft = apply(submit=False)
    attachment = services.attachment_add(
        reference=draft.reference, requester=draft.requester, content=original, filename="bill.png"
    )
    stored = downloaded(attachment)
    assert mark.encode() not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert (image.format, image.size, image.mode) == ("PNG", (30, 10), "RGBA")
        assert image.text == {}
        assert image.getpixel((0, 0)) == (10, 120, 10, 200)


def test_a_pdf_loses_its_author_xmp_and_identifier_and_keeps_its_pages_and_text(apply):
    mark, text = marker("pdfmeta"), marker("pdftext")
    original = pdf_with_metadata(mark, text=text)
    assert original.count(mark.encode()) >= 2 and text.encode() in original
    draft = apply(submit=False)
    attachment = services.attachment_add(
        reference=draft.reference, requester=draft.requester, content=original, filename="eviction.pdf"
    )
    stored = downloaded(attachment)
    assert mark.encode() not in stored
    assert text.encode() in stored  # the content is what the reviewer needs: it stays
    with pikepdf.open(io.BytesIO(stored)) as pdf, pikepdf.open(io.BytesIO(original)) as before:
        assert len(pdf.pages) == 1
        assert "/Info" not in pdf.trailer
        assert "/Metadata" not in pdf.Root
        assert bytes(pdf.trailer.ID[0]) != bytes(before.trailer.ID[0])


def test_a_pdf_loses_every_script_outward_action_embedded_file_and_media_and_keeps_its_inner_links():
    """A document sent to unmask a reviewer finds nothing to run or fetch when it is opened."""
    beacon = "https://tracker.example/" + marker("beacon")
    original = pdf_with_active_content(beacon)
    assert original.count(beacon.encode()) >= 8

    stored = document_clean(original).content

    assert beacon.encode() not in stored
    for token in (b"/JavaScript", b"/JS", b"/URI", b"/Launch", b"/EmbeddedFile", b"/FileAttachment"):
        assert token not in stored, token
    with pikepdf.open(io.BytesIO(stored)) as pdf:
        assert len(pdf.pages) == 2
        assert "/OpenAction" not in pdf.Root and "/AA" not in pdf.Root
        assert "/AA" not in pdf.pages[0].obj
        links = list(pdf.pages[0].obj.Annots)
        actions = [link.get("/A") for link in links]
        # The link within the document stays, without the script chained after it.
        goto = [a for a in actions if a is not None]
        assert [a.S for a in goto] == [pikepdf.Name.GoTo] and "/Next" not in goto[0]
        assert goto[0].D[0].objgen == pdf.pages[1].obj.objgen
        assert "/A" not in pdf.Root.Outlines.First


def test_a_pdf_loses_files_attached_the_pdf_2_way_to_its_catalogue_pages_and_annotations():
    """Associated files (/AF) hold embedded files too: a viewer lists them, a reviewer may open one."""
    beacon = "https://tracker.invalid/af-" + marker("af")
    pdf = pikepdf.new()
    pdf.add_blank_page()

    def attached() -> pikepdf.Dictionary:
        embedded = pdf.make_stream(f"opened: {beacon}".encode())
        embedded.Type = pikepdf.Name.EmbeddedFile
        return pikepdf.Dictionary(Type=pikepdf.Name.Filespec, F=pikepdf.String("x.html"), EF={"/F": embedded})

    pdf.Root.AF = pikepdf.Array([attached()])
    pdf.pages[0].obj.AF = pikepdf.Array([attached()])
    pdf.pages[0].obj.Annots = pikepdf.Array(
        [
            pikepdf.Dictionary(
                Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Text, Rect=[0, 0, 9, 9], AF=[attached()]
            )
        ]
    )
    out = io.BytesIO()
    pdf.save(out, compress_streams=False)
    assert out.getvalue().count(beacon.encode()) == 3  # the check below can fail

    stored = document_clean(out.getvalue()).content

    assert beacon.encode() not in stored
    assert b"/EmbeddedFile" not in stored and b"/AF" not in stored
    with pikepdf.open(io.BytesIO(stored)) as cleaned:
        assert len(cleaned.pages) == 1


def test_the_type_is_read_from_the_bytes_never_from_the_name():
    assert document_clean(pdf_with_metadata("x")).content_type == "application/pdf"
    with pytest.raises(exc.AttachmentTypeUnsupported):
        document_clean(GIF)
    with pytest.raises(exc.AttachmentTypeUnsupported):
        document_clean(b"just text, named scan.pdf")


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"%PDF-1.7\nnot a document at all", id="pdf-garbage"),
        pytest.param(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, id="png-garbage"),
        pytest.param(b"\xff\xd8\xff\xe0" + b"\x13" * 40, id="jpeg-garbage"),
        pytest.param(png_with_text("x")[:60], id="png-truncated"),
        pytest.param(jpeg_with_gps("x")[:300], id="jpeg-truncated"),
        pytest.param(encrypted_pdf(), id="pdf-with-a-password"),
    ],
)
def test_a_file_that_does_not_parse_as_its_type_is_refused_and_nothing_is_written(apply, content):
    draft = apply(submit=False)
    subjects = Subject.objects.count()
    with pytest.raises(exc.AttachmentUnreadable):
        services.attachment_add(
            reference=draft.reference, requester=draft.requester, content=content, filename="x.pdf"
        )
    assert Attachment.objects.count() == 0
    assert Subject.objects.count() == subjects


def test_an_image_of_too_many_pixels_is_refused_before_it_is_decoded():
    out = io.BytesIO()
    Image.new("1", (10_000, 6_000)).save(out, "PNG")
    assert len(out.getvalue()) < 100_000
    with pytest.raises(exc.AttachmentTooLarge):
        document_clean(out.getvalue())


def test_a_file_name_keeps_its_last_part_without_invisible_characters():
    assert filename_clean("C:\\Users\\someone\\scan\u202e.pdf") == "scan.pdf"
    assert filename_clean("../../etc/passwd") == "passwd"
    assert filename_clean("   ") is None
    assert filename_clean(None) is None
    assert len(filename_clean("a" * 1000)) == 200


# --- when a document may be added ----------------------------------------------------------------


def test_a_document_over_the_size_limit_is_refused(apply, settings):
    settings.GRANTS_ATTACHMENT_MAX_BYTES = 100
    draft = apply(submit=False)
    with pytest.raises(exc.AttachmentTooLarge):
        services.attachment_add(
            reference=draft.reference, requester=draft.requester, content=png_with_text("x"), filename=None
        )
    assert Attachment.objects.count() == 0


def test_a_request_holds_at_most_the_configured_number_of_documents(apply, settings):
    settings.GRANTS_ATTACHMENT_MAX_PER_REQUEST = 2
    draft = apply(submit=False)
    for _ in range(2):
        services.attachment_add(
            reference=draft.reference, requester=draft.requester, content=png_with_text("x"), filename=None
        )
    with pytest.raises(exc.AttachmentLimitReached):
        services.attachment_add(
            reference=draft.reference, requester=draft.requester, content=png_with_text("x"), filename=None
        )
    assert Attachment.objects.filter(request=draft).count() == 2


def test_a_submitted_request_takes_documents_only_with_an_answer_to_an_open_question(in_review):
    request, reviewer, _admin = in_review()
    add = dict(
        reference=request.reference, requester=request.requester, content=png_with_text("x"), filename=None
    )
    with pytest.raises(exc.AttachmentNotAllowed):
        services.attachment_add(**add)
    question = services.question_ask(reference=request.reference, reviewer=reviewer, body="The bill?")
    attachment = services.attachment_add(**add, question_id=question.pk)
    assert attachment.question_id == question.pk
    services.question_answer(
        reference=request.reference, requester=request.requester, question_id=question.pk, body="Attached."
    )
    with pytest.raises(exc.AlreadyAnswered):
        services.attachment_add(**add, question_id=question.pk)
    other, other_reviewer, _ = in_review()
    elsewhere = services.question_ask(reference=other.reference, reviewer=other_reviewer, body="?")
    with pytest.raises(exc.QuestionNotFound):
        services.attachment_add(**add, question_id=elsewhere.pk)
    services.grant_request_withdraw(reference=request.reference, requester=request.requester)
    with pytest.raises(exc.InvalidTransition):
        services.attachment_add(**add, question_id=question.pk)
    assert Attachment.objects.count() == 1


def test_another_requesters_request_is_not_found(apply, person):
    draft = apply(submit=False)
    with pytest.raises(exc.RequestNotFound):
        services.attachment_add(
            reference=draft.reference,
            requester=person("requester"),
            content=png_with_text("x"),
            filename=None,
        )


# --- sealed, logged, erased -------------------------------------------------------------------------


def test_each_download_is_logged_with_who_and_why_and_shredding_erases_every_document(apply, person):
    draft = apply(submit=False)
    attachment = services.attachment_add(
        reference=draft.reference, requester=draft.requester, content=png_with_text("x"), filename="a.png"
    )
    admin = person("admin")
    downloaded(attachment, reader_id=admin.pk, purpose="admin_access")
    draft.refresh_from_db()
    log = access_log_list(subject=subject_get(reference=draft.subject_reference))
    field = f"attachment_{attachment.public_id.hex}"
    assert [(r.action, r.field, r.reader_id, r.purpose) for r in log] == [
        ("open", field, admin.pk, "admin_access")
    ]
    services.grant_request_shred(reference=draft.reference, by_id=admin.pk)
    attachment = Attachment.objects.select_related("request").get(pk=attachment.pk)
    with pytest.raises(exc.RequestErased):
        downloaded(attachment)
    with pytest.raises(exc.RequestErased):
        services.attachment_add(
            reference=draft.reference, requester=draft.requester, content=png_with_text("x"), filename=None
        )


# --- what PostgreSQL refuses --------------------------------------------------------------------------


def _insert(request: GrantRequest, *, content_type="image/png", size=10, sealed=b"x" * 40, question_id=None):
    execute(
        "INSERT INTO grants_attachment (public_id, request_id, question_id, content_type, size, "
        "content_sealed, created_at) VALUES (gen_random_uuid(), %s, %s, %s, %s, %s, now())",
        [request.pk, question_id, content_type, size, sealed],
    )


def test_the_database_refuses_an_unknown_type_an_empty_or_understated_document(apply):
    request = apply(submit=False)
    with rejected("23514", constraint="attachment_content_type"):
        _insert(request, content_type="image/gif")
    with rejected("23514", constraint="attachment_size_positive"):
        _insert(request, size=0)
    with rejected("23514", constraint="attachment_sealed_not_shorter"):
        _insert(request, size=40)


def test_the_database_refuses_a_question_of_another_request(in_review):
    request, _reviewer, _admin = in_review()
    other, other_reviewer, _ = in_review()
    question = services.question_ask(reference=other.reference, reviewer=other_reviewer, body="?")
    with rejected("23503", constraint="attachment_question_of_the_request"):
        _insert(request, question_id=question.pk)
        execute("SET CONSTRAINTS ALL IMMEDIATE")
    _insert(other, question_id=question.pk)


def test_a_stored_document_is_never_changed_or_removed(apply):
    draft = apply(submit=False)
    services.attachment_add(
        reference=draft.reference, requester=draft.requester, content=png_with_text("x"), filename=None
    )
    with rejected("42501"):  # the runtime role: SELECT and INSERT only
        execute("UPDATE grants_attachment SET size = size + 1")
    with rejected("42501"):
        execute("DELETE FROM grants_attachment")
    with as_owner(), rejected("P0001", match="Cannot update or delete"):
        execute("DELETE FROM grants_attachment")
