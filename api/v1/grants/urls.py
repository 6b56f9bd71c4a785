"""URL routes of the grants endpoints; a request is named by its random reference, never by anything else."""

from django.urls import path, register_converter

from api.v1.grants import attachment_views, identity_views, review_views, views


class GrantReferenceConverter:
    """A request's random public reference (grants.services.requests._reference_new): GR- and 16 base32."""

    regex = REFERENCE_REGEX = "GR-[A-Z2-7]{16}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(GrantReferenceConverter, "grantref")

# Only a reference's shape reaches the views: "anonymous" can never be taken for one.
REQUEST = "requests/<grantref:reference>/"

urlpatterns = [
    path("requesters/", views.RequesterRegisterView.as_view(), name="grants-requester-register"),
    path("requesters/me/", views.RequesterProfileView.as_view(), name="grants-requester-me"),
    path("funds/", views.GrantFundListView.as_view(), name="grants-fund-list"),
    path("requests/", views.GrantRequestListCreateView.as_view(), name="grants-request-list"),
    path("requests/anonymous/", views.AnonymousApplicationView.as_view(), name="grants-request-anonymous"),
    path(REQUEST, views.GrantRequestDetailView.as_view(), name="grants-request-detail"),
    path(f"{REQUEST}submit/", views.GrantRequestSubmitView.as_view(), name="grants-request-submit"),
    path(f"{REQUEST}withdraw/", views.GrantRequestWithdrawView.as_view(), name="grants-request-withdraw"),
    path(f"{REQUEST}appeal/", views.GrantRequestAppealView.as_view(), name="grants-request-appeal"),
    path(f"{REQUEST}assignments/", review_views.AssignmentCreateView.as_view(), name="grants-request-assign"),
    path(f"{REQUEST}conflict/", review_views.ConflictDeclareView.as_view(), name="grants-request-conflict"),
    path(f"{REQUEST}review/", review_views.ReviewRecordView.as_view(), name="grants-request-review"),
    path(f"{REQUEST}approve/", review_views.ApproveView.as_view(), name="grants-request-approve"),
    path(f"{REQUEST}decline/", review_views.DeclineView.as_view(), name="grants-request-decline"),
    path(f"{REQUEST}close/", review_views.CloseView.as_view(), name="grants-request-close"),
    path(f"{REQUEST}identity/", identity_views.IdentityView.as_view(), name="grants-request-identity"),
    path(
        f"{REQUEST}questions/",
        identity_views.QuestionListCreateView.as_view(),
        name="grants-request-questions",
    ),
    path(
        f"{REQUEST}questions/<int:question>/answer/",
        identity_views.QuestionAnswerView.as_view(),
        name="grants-request-answer",
    ),
    path(f"{REQUEST}notes/", identity_views.NoteListCreateView.as_view(), name="grants-request-notes"),
    path(
        f"{REQUEST}attachments/",
        attachment_views.AttachmentListCreateView.as_view(),
        name="grants-request-attachments",
    ),
    path(
        f"{REQUEST}attachments/<uuid:attachment>/",
        attachment_views.AttachmentDownloadView.as_view(),
        name="grants-request-attachment",
    ),
    path(f"{REQUEST}access-log/", identity_views.AccessLogView.as_view(), name="grants-request-access-log"),
    path(f"{REQUEST}shred/", identity_views.ShredView.as_view(), name="grants-request-shred"),
    path("claim/questions/", identity_views.ClaimQuestionsView.as_view(), name="grants-claim-questions"),
    path("claim/answer/", identity_views.ClaimAnswerView.as_view(), name="grants-claim-answer"),
    path(
        "claim/attachments/",
        attachment_views.ClaimAttachmentListView.as_view(),
        name="grants-claim-attachments",
    ),
    path(
        "claim/attachments/upload/",
        attachment_views.ClaimAttachmentUploadView.as_view(),
        name="grants-claim-attachment-upload",
    ),
    path(
        "claim/attachments/download/",
        attachment_views.ClaimAttachmentDownloadView.as_view(),
        name="grants-claim-attachment-download",
    ),
    path("claim/", views.ClaimStatusView.as_view(), name="grants-claim-status"),
    path("claim/withdraw/", views.ClaimWithdrawView.as_view(), name="grants-claim-withdraw"),
    path("claim/appeal/", views.ClaimAppealView.as_view(), name="grants-claim-appeal"),
    path("claim/attach/", views.ClaimAttachView.as_view(), name="grants-claim-attach"),
]
