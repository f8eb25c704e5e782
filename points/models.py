import re
import unicodedata
from decimal import Decimal
from functools import cached_property

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Prefetch, Q
from django.db.models.functions import Length, Lower
from django.db.models.lookups import LessThanOrEqual
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from . import guards, measuring
from .codes import slug_for
from .text import fold


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class SourceKind(models.TextChoices):
    ARTICLE = "article", "Source article"
    STANDARD = "standard", "Standard"
    BOOK = "book", "Book"
    WEB = "web", "Web page"


class Pressure(models.TextChoices):
    GENTLE = "gentle", "Gentle"
    MODERATE = "moderate", "Moderate"
    FIRM = "firm", "Firm"


class Laterality(models.TextChoices):
    BOTH = "both", "Both sides"
    MIDLINE = "midline", "On the midline"
    ONE = "one", "One side"


class Reach(models.TextChoices):
    """Who presses the point: the reader alone, the reader with a ball or tool, or a partner."""

    SELF = "self", "Yourself, with your hands"
    TOOL = "tool", "Yourself, with a ball or tool"
    PARTNER = "partner", "A partner presses it"


class Pregnancy(models.TextChoices):
    AVOID = "avoid", "Avoid in pregnancy"
    GENTLE = "gentle", "Gentle only in pregnancy"
    NONE = "none", "No pregnancy caution known"


class Evidence(models.TextChoices):
    """What kind of support a use of a point has; never upgraded without a cited study."""

    TRADITIONAL = "traditional", "Traditional use"
    TRIAL = "trial", "Studied in a clinical trial"
    REVIEW = "review", "In a systematic review"


class RedFlagGroup(models.TextChoices):
    EMERGENCY = "emergency", "Get emergency care the same day"
    SOON = "soon", "See a doctor soon"


class Confidence(models.TextChoices):
    CONFIRMED = "confirmed", "Confirmed"
    PROBABLE = "probable", "Probable identification"
    POSSIBLE = "possible", "Possible identification"


class AliasKind(models.TextChoices):
    CODE = "code", "Code spelling"
    OLD_CODE = "old_code", "Old bladder numbering"
    PINYIN = "pinyin", "Pinyin"
    HANZI = "hanzi", "Chinese characters"
    ROMANISATION = "romanisation", "Other romanisation"
    ENGLISH = "english", "English name"
    POPULAR = "popular", "Popular name"
    MISNOMER = "misnomer", "Name used wrongly by a source"


class IndicationRole(models.TextChoices):
    LOCAL = "local", "Local: near the pain"
    DISTAL = "distal", "Distal: away from the pain"
    SUPPORTING = "supporting", "Supporting"


class CitationClaim(models.TextChoices):
    LOCATION = "location", "Location"
    HOW_TO_FIND = "how_to_find", "How to find it"
    USES = "uses", "Uses"
    TECHNIQUE = "technique", "Technique"
    CAUTION = "caution", "Cautions"
    PREGNANCY = "pregnancy", "Pregnancy"
    IDENTIFICATION = "identification", "Identification"
    NAME = "name", "Names"
    SUMMARY = "summary", "Summary"
    RED_FLAGS = "red_flags", "Red flags"


class DiscrepancySeverity(models.TextChoices):
    HIGH = "high", "High: wrong place, wrong point or missing safety warning"
    MEDIUM = "medium", "Medium: misleading or inconsistent"
    LOW = "low", "Low: cosmetic"


class DiscrepancyDisplay(models.TextChoices):
    POINT = "point", "On the point page"
    CONDITION = "condition", "On the condition page"
    SOURCES = "sources", "On the sources page only (rejected claim)"


class TechniquePicture(models.TextChoices):
    """The pictures of how to press (static/illustrations/technique/<value>.svg)."""

    HANDS_ON_HIPS = "hands-on-hips", "Thumbs pressing, hands on hips"
    BALL = "ball", "Lying on a ball, or a ball in a sock against a wall"
    SEATED_KNEE = "seated-knee", "Seated, pressing below the knee"
    SEATED_FOOT = "seated-foot", "Seated, pressing the foot or ankle"


class PlacementSide(models.TextChoices):
    LEFT = "left", "Person's left"
    RIGHT = "right", "Person's right"
    MIDLINE = "midline", "Midline"


class Meridian(models.Model):
    code = models.CharField(max_length=5, unique=True, validators=[guards.validate_meridian_code])
    name = models.CharField(max_length=60)
    order = models.PositiveSmallIntegerField(default=0)
    content_key = models.CharField(max_length=160, unique=True, null=True, editable=False)  # noqa: DJ001

    version = models.PositiveIntegerField(default=1, editable=False, help_text="Goes up by one with every save.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "code"]

    def __str__(self):
        return f"{self.code} {self.name}"

    def clean(self):
        super().clean()
        if self.pk and self.points.exists():
            saved = Meridian.objects.filter(pk=self.pk).values_list("code", flat=True).first()
            if saved is not None and saved != self.code:
                raise ValidationError(
                    {"code": "Points' codes are written with this one: change their codes first, or add a meridian."}
                )


class Region(models.Model):
    slug = models.SlugField(max_length=guards.SLUG_MAX_LENGTH, unique=True, validators=[guards.url_slug])
    name = models.CharField(max_length=60)
    order = models.PositiveSmallIntegerField(default=0)
    description = models.TextField(blank=True)
    content_key = models.CharField(max_length=160, unique=True, null=True, editable=False)  # noqa: DJ001

    version = models.PositiveIntegerField(default=1, editable=False, help_text="Goes up by one with every save.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("points:region", args=[self.slug])


class Source(models.Model):
    Kind = SourceKind

    key = models.SlugField(max_length=40, unique=True, validators=[guards.url_slug])
    kind = models.CharField(max_length=10, choices=Kind)
    title = models.CharField(max_length=250)
    author = models.CharField(max_length=200, blank=True)
    publisher = models.CharField(max_length=250, blank=True)
    year = models.CharField(max_length=20, blank=True)
    url = models.URLField(blank=True, validators=[URLValidator(schemes=["http", "https"])])
    summary = models.TextField(blank=True)
    claims = models.TextField(blank=True, help_text="For articles: what the article claims.")
    order = models.PositiveSmallIntegerField(default=0)
    content_key = models.CharField(max_length=160, unique=True, null=True, editable=False)  # noqa: DJ001

    version = models.PositiveIntegerField(default=1, editable=False, help_text="Goes up by one with every save.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(url="") | Q(url__startswith="http://") | Q(url__startswith="https://"),
                name="source_url_http_only",
            ),
            models.CheckConstraint(condition=Q(kind__in=SourceKind.values), name="source_kind_valid"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("points:sources") + f"#src-{self.key}"

    @property
    def label(self):
        """How pages name the five source articles: "Article 1" ... "Article 5"."""
        article = re.fullmatch(r"article-00(\d)", self.key) if self.kind == SourceKind.ARTICLE else None
        return f"Article {int(article.group(1)) + 1}" if article else ""


# An alternative point is a link on the page (code, names, region): the rest of its row is
# not read, and selecting it cost more to compile than the page's own queries.
# Its status too: a draft is never named on a public page (``drafts_hidden``).
ALTERNATIVE_FIELDS = ["code", "slug", "pinyin", "english_name", "pregnancy_caution", "status"]


def _unread(prefix):
    """The columns of an alternative point that no page reads (for ``defer``)."""
    return [f"{prefix}{f.name}" for f in Point._meta.concrete_fields if f.name not in [*ALTERNATIVE_FIELDS, "id"]]


def _point_page_fields():
    own = [f.name for f in Point._meta.concrete_fields]
    return [
        *own,
        *(f"region__{f.name}" for f in Region._meta.concrete_fields),
        *(f"meridian__{f.name}" for f in Meridian._meta.concrete_fields),
        *(f"pregnancy_alternative__{f}" for f in ALTERNATIVE_FIELDS),
        *(f"reach_alternative__{f}" for f in ALTERNATIVE_FIELDS),
        "reach_alternative__region__name",
    ]


class PointQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Status.PUBLISHED)

    def for_list(self):
        """What a row in any list of points shows: names, region, badges."""
        return self.published().select_related("region", "meridian").order_by("region__order", "order_key")

    def for_page(self, *, include_drafts=False):
        """The point itself with its region and meridian (title, breadcrumb): one query.
        The rest of the page comes from ``detail_prefetches`` when it is rendered."""
        return (
            (self if include_drafts else self.published())
            .select_related("region", "meridian", "pregnancy_alternative", "reach_alternative__region")
            .only(*_point_page_fields())
        )

    def for_detail(self, *, include_drafts=False):
        """Everything the point page shows, in a fixed number of queries (drafts for staff previews)."""
        return self.for_page(include_drafts=include_drafts).prefetch_related(*detail_prefetches())


ALTERNATIVES = ("pregnancy_alternative", "reach_alternative")


def drafts_hidden(points):
    """``points`` without their alternatives ("instead, in pregnancy", "easier to reach")
    that are drafts: a public page never names a draft or links to its 404. Only
    alternatives already loaded are looked at (no query)."""
    for point in points:
        for name in ALTERNATIVES:
            field = Point._meta.get_field(name)
            if field.is_cached(point):
                alternative = field.get_cached_value(point)
                if alternative is not None and alternative.status != Status.PUBLISHED:
                    field.set_cached_value(point, None)
    return points


def detail_prefetches():
    """What the point panel shows besides the point row: aliases, citations, uses, corrections."""
    return [
        Prefetch("aliases", queryset=Alias.objects.order_by("kind", "text")),
        Prefetch("citations", queryset=Citation.objects.select_related("source").order_by("source__order", "id")),
        Prefetch("reach_methods", queryset=ReachMethod.objects.for_display()),
        Prefetch(
            "indications",
            queryset=Indication.objects.filter(condition__status=Status.PUBLISHED)
            .select_related("condition", "pressure_source", "evidence_source")
            .order_by("condition__order"),
        ),
        Prefetch(
            "discrepancies",
            queryset=Discrepancy.objects.without_draft_conditions()
            .filter(display=Discrepancy.Display.POINT)
            .select_related("fact_source")
            .prefetch_related(Prefetch("sources", to_attr="source_list"))
            .order_by("order"),
        ),
    ]


class Point(models.Model):
    Pressure = Pressure

    Laterality = Laterality

    Reach = Reach

    Pregnancy = Pregnancy

    Confidence = Confidence

    code = models.CharField(max_length=12, unique=True, help_text="WHO code, e.g. BL23 or EX-UE7.")
    slug = models.SlugField(max_length=12, unique=True, editable=False)
    meridian = models.ForeignKey(Meridian, on_delete=models.PROTECT, related_name="points")
    number = models.PositiveSmallIntegerField()
    order_key = models.CharField(max_length=20, editable=False, default="")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="points")
    pinyin = models.CharField(max_length=60, help_text="With tone marks, e.g. Shènshū.")
    hanzi_simplified = models.CharField(max_length=20)
    hanzi_traditional = models.CharField(max_length=20)
    english_name = models.CharField(max_length=120)
    summary = models.TextField()
    where = models.CharField(
        max_length=160,
        blank=True,
        help_text="Where it is in one plain sentence a person in pain understands: no cun, no unexplained "
        "anatomy (the precise location is the next field). Every point to press needs one.",
    )
    location = models.TextField()
    how_to_find = models.TextField()
    uses = models.TextField(help_text="What the sources use it for.")
    technique_method = models.TextField()
    pressure = models.CharField(max_length=10, choices=Pressure)
    hold_seconds_min = models.PositiveSmallIntegerField()
    hold_seconds_max = models.PositiveSmallIntegerField()
    repetitions = models.PositiveSmallIntegerField(null=True, blank=True)
    times_per_day = models.PositiveSmallIntegerField(null=True, blank=True)
    posture = models.TextField(blank=True)
    technique_picture = models.CharField(
        max_length=20,
        choices=TechniquePicture,
        blank=True,
        help_text="The picture of how to press that fits the posture (shown on the point's page).",
    )
    laterality = models.CharField(max_length=10, choices=Laterality)
    reach_alternative = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="A point for the same pain that is easy to reach yourself, for readers who cannot reach this one.",
    )
    pregnancy_caution = models.CharField(max_length=10, choices=Pregnancy)
    pregnancy_note = models.TextField(
        blank=True, help_text="Why (the level itself is the field above: do not restate it here)."
    )
    pregnancy_alternative = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="For a point to avoid in pregnancy: the point to use instead, if there is one.",
    )
    key_caution = models.CharField(
        max_length=200,
        blank=True,
        help_text="The one caution that matters most, in one short sentence; shown first, then the other "
        "cautions (do not repeat it there). No pregnancy advice or pressure level: they have their own fields.",
    )
    cautions = models.TextField(blank=True)
    confidence = models.CharField(max_length=10, choices=Confidence, default=Confidence.CONFIRMED)
    confidence_note = models.TextField(blank=True)
    reference_only = models.BooleanField(
        default=False, help_text="Listed only to correct a source; not recommended for self-help."
    )
    notes = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT)
    last_reviewed = models.DateField(null=True, blank=True, editable=False, help_text="Set by publishing or approval.")
    reviewed_by = models.CharField(max_length=150, blank=True, editable=False, help_text="Who approved it last.")
    version = models.PositiveIntegerField(default=1, editable=False, help_text="Goes up by one with every save.")
    search_names = models.TextField(editable=False, default="")
    content_key = models.CharField(max_length=160, unique=True, null=True, editable=False)  # noqa: DJ001

    history = HistoricalRecords()
    objects = PointQuerySet.as_manager()

    class Meta:
        ordering = ["order_key"]
        # public lists filter on status first: with many drafts this keeps them index-only
        indexes = [models.Index(fields=["status", "region"], name="point_status_region")]
        permissions = [
            ("publish_point", "Can publish or unpublish points"),
            ("revert_content", "Can revert content to an earlier version"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(hold_seconds_min__lte=models.F("hold_seconds_max")),
                name="hold_range",
                violation_error_message="The shortest hold cannot be longer than the longest hold.",
            ),
            models.CheckConstraint(condition=Q(pressure__in=Pressure.values), name="point_pressure_valid"),
            models.CheckConstraint(condition=Q(laterality__in=Laterality.values), name="point_laterality_valid"),
            models.CheckConstraint(condition=Q(pregnancy_caution__in=Pregnancy.values), name="point_pregnancy_valid"),
            models.CheckConstraint(condition=Q(confidence__in=Confidence.values), name="point_confidence_valid"),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="point_status_valid"),
            models.UniqueConstraint(
                Lower("code"),
                name="point_code_unique_any_case",
                violation_error_message="Another point already has this code (upper or lower case does not count).",
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.pinyin_plain}"

    def save(self, *args, **kwargs):
        self.fill_derived()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("points:point", args=[self.slug])

    def fill_derived(self):
        """Derived columns only: the URL slug, a sort key (BL2 before BL10) and the
        folded names search looks in (also for ``bulk_create``, which skips ``save``)."""
        self.slug = slug_for(self.code)
        self.order_key = f"{self.meridian.order:02d}-{self.number:03d}"
        names = [self.code, self.pinyin, self.english_name, self.hanzi_simplified, self.hanzi_traditional]
        self.search_names = "|" + "|".join(fold(n) for n in names if n) + "|"

    def clean(self):
        super().clean()
        guards.point_code_clean(self)

    @property
    def pinyin_plain(self):
        decomposed = unicodedata.normalize("NFKD", self.pinyin)
        return "".join(ch for ch in decomposed if not unicodedata.combining(ch))

    @property
    def hanzi(self):
        if self.hanzi_simplified == self.hanzi_traditional:
            return self.hanzi_simplified
        return f"{self.hanzi_traditional} / {self.hanzi_simplified}"

    @property
    def is_uncertain(self):
        return self.confidence != self.Confidence.CONFIRMED

    @property
    def hold_text(self):
        low, high = self.hold_seconds_min, self.hold_seconds_max

        def human(s):
            if s >= 60 and s % 60 == 0:
                return f"{s // 60} minute{'s' if s != 60 else ''}"
            return f"{s} seconds"

        return human(low) if low == high else f"{human(low)} to {human(high)}"

    @property
    def how_often(self):
        """How often a day, in words: once a day, up to 3 times a day ("" when not given)."""
        if not self.times_per_day:
            return ""
        return "once a day" if self.times_per_day == 1 else f"up to {self.times_per_day} times a day"

    @property
    def repeat_text(self):
        """Presses in one sitting, in words: 3 times in a row ("" when not given)."""
        n = self.repetitions
        return "" if not n else "once" if n == 1 else f"{n} times in a row"

    def citations_for(self, claim):
        return [c for c in self.citations.all() if c.claim == claim]

    @property
    def ways_to_reach(self):
        """How to reach it: yourself first, then with a ball or tool, then a partner."""
        return sorted(self.reach_methods.all(), key=lambda way: Reach.values.index(way.kind))

    @property
    def avoid_in_pregnancy(self):
        return self.pregnancy_caution == Pregnancy.AVOID

    @property
    def pressable(self):
        """Offered as a point to press (a reference-only point never is)."""
        return not self.reference_only


class ReachMethodQuerySet(models.QuerySet):
    def for_display(self):
        """With their sources (``Point.ways_to_reach`` puts them in order: a CASE in SQL
        cost more to compile than the sort)."""
        return self.select_related("source")


class ReachMethod(models.Model):
    """One way to reach a point (by yourself, with a ball, or by a partner), with the
    position and aid, and the source that says so."""

    Kind = Reach

    point = models.ForeignKey(Point, on_delete=models.CASCADE, related_name="reach_methods")
    kind = models.CharField(max_length=10, choices=Reach)
    how = models.CharField(max_length=300, help_text="The position and the aid, e.g. lying on a tennis ball.")
    source = models.ForeignKey("Source", null=True, blank=True, on_delete=models.PROTECT, related_name="reach_methods")
    locator = models.CharField(max_length=200, blank=True)
    content_key = models.CharField(max_length=160, unique=True, null=True, editable=False)  # noqa: DJ001

    version = models.PositiveIntegerField(default=1, editable=False, help_text="Goes up by one with every save.")

    history = HistoricalRecords()
    objects = ReachMethodQuerySet.as_manager()

    class Meta:
        ordering = ["point", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["point", "kind"], name="reach_once_per_kind"),
            models.CheckConstraint(condition=Q(kind__in=Reach.values), name="reach_kind_valid"),
        ]

    def __str__(self):
        return f"{self.point.code}: {self.get_kind_display()}"


class RedFlagQuerySet(models.QuerySet):
    def for_display(self):
        """The complete list, emergency signs first, with the pages that say them."""
        return self.select_related("source").order_by("group", "order")


class RedFlag(models.Model):
    """A warning sign that back pain needs a doctor: stored once, shown on every condition
    page, the safety page and every sheet, each cited to an NHS or NICE page that says it."""

    Group = RedFlagGroup

    key = models.SlugField(max_length=40, unique=True, validators=[guards.url_slug])
    group = models.CharField(max_length=10, choices=RedFlagGroup)
    text = models.CharField(max_length=300)
    order = models.PositiveSmallIntegerField(default=0)
    source = models.ForeignKey("Source", on_delete=models.PROTECT, related_name="red_flags")
    locator = models.CharField(max_length=200, blank=True)
    content_key = models.CharField(max_length=160, unique=True, null=True, editable=False)  # noqa: DJ001

    version = models.PositiveIntegerField(default=1, editable=False, help_text="Goes up by one with every save.")

    history = HistoricalRecords()
    objects = RedFlagQuerySet.as_manager()

    class Meta:
        ordering = ["group", "order"]
        constraints = [models.CheckConstraint(condition=Q(group__in=RedFlagGroup.values), name="red_flag_group_valid")]

    def __str__(self):
        return self.text


class Alias(models.Model):
    Kind = AliasKind

    point = models.ForeignKey(Point, on_delete=models.CASCADE, related_name="aliases")
    text = models.CharField(max_length=80)
    normalized = models.CharField(max_length=80, editable=False, db_index=True)
    kind = models.CharField(max_length=15, choices=Kind)
    ambiguous = models.BooleanField(
        default=False, help_text="Tick when the same spelling also names another point; say why in the note."
    )
    note = models.CharField(max_length=300, blank=True)
    content_key = models.CharField(max_length=160, unique=True, null=True, editable=False)  # noqa: DJ001

    version = models.PositiveIntegerField(default=1, editable=False, help_text="Goes up by one with every save.")

    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "aliases"
        ordering = ["text"]
        constraints = [
            models.UniqueConstraint(
                fields=["point", "normalized"],
                name="alias_unique_per_point",
                violation_error_message="This point already has this alias (case, accents and spaces do not count).",
            ),
            models.UniqueConstraint(
                fields=["normalized"],
                condition=Q(ambiguous=False),
                name="alias_unique_unless_ambiguous",
                violation_error_message="Another point already has this alias (case, accents and spaces do not "
                "count). If it really names both, tick ambiguous on both and say why in the note.",
            ),
            models.CheckConstraint(condition=Q(kind__in=AliasKind.values), name="alias_kind_valid"),
            models.CheckConstraint(condition=~Q(normalized=""), name="alias_not_empty"),
        ]

    def __str__(self):
        return self.text

    def save(self, *args, **kwargs):
        self.fill_derived()
        super().save(*args, **kwargs)

    def fill_derived(self):
        self.normalized = fold(self.text)

    def clean(self):
        super().clean()
        self.normalized = fold(self.text)
        if not self.normalized:
            raise ValidationError({"text": "Write at least one letter or digit."})

    def validate_constraints(self, exclude=None):
        # ``normalized`` is ``text`` folded (clean() sets it): a form that validates the text
        # checks the constraints on it too, so a clash is a form error, not a database error
        if exclude and "text" not in exclude:
            exclude = set(exclude) - {"normalized"}
        super().validate_constraints(exclude=exclude)


class ConditionQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Status.PUBLISHED)

    def for_detail(self):
        return (
            self.published()
            .select_related("red_flags_source")
            .prefetch_related(
                Prefetch(
                    "indications",
                    queryset=Indication.objects.filter(point__status=Status.PUBLISHED, point__reference_only=False)
                    .select_related(
                        "point__region",
                        "point__meridian",
                        "point__pregnancy_alternative",
                        "pressure_source",
                        "evidence_source",
                    )
                    .defer(*_unread("point__pregnancy_alternative__"))
                    .prefetch_related(
                        "sources",
                        Prefetch(
                            "point__citations",
                            queryset=Citation.objects.select_related("source").order_by("source__order", "id"),
                        ),
                    )
                    .order_by("order"),
                ),
                Prefetch(
                    "citations", queryset=Citation.objects.select_related("source").order_by("source__order", "id")
                ),
                Prefetch(
                    "discrepancies",
                    queryset=Discrepancy.objects.without_draft_points()
                    .filter(display=Discrepancy.Display.CONDITION)
                    .select_related("fact_source")
                    .prefetch_related(Prefetch("sources", to_attr="source_list"))
                    .order_by("order"),
                ),
            )
        )


class Condition(models.Model):
    slug = models.SlugField(max_length=guards.SLUG_MAX_LENGTH, unique=True, validators=[guards.url_slug])
    name = models.CharField(max_length=100)
    order = models.PositiveSmallIntegerField(default=0)
    summary = models.TextField()
    keywords = models.CharField(max_length=400, blank=True, help_text="Comma-separated words people search for.")
    red_flags = models.TextField(
        blank=True,
        help_text="Warning signs specific to this kind of pain only; the general red flags are shown anyway.",
    )
    red_flags_source = models.ForeignKey(
        "Source",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="A page that says these signs; leave empty and they are shown as general medical advice.",
    )
    red_flags_locator = models.CharField(max_length=200, blank=True)
    notes = models.TextField(
        blank=True,
        help_text="What the sources say and get wrong about this condition (shown under Evidence and corrections).",
    )
    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT)
    last_reviewed = models.DateField(null=True, blank=True, editable=False, help_text="Set by publishing or approval.")
    reviewed_by = models.CharField(max_length=150, blank=True, editable=False, help_text="Who approved it last.")
    version = models.PositiveIntegerField(default=1, editable=False, help_text="Goes up by one with every save.")
    search_terms = models.TextField(editable=False, default="")
    content_key = models.CharField(max_length=160, unique=True, null=True, editable=False)  # noqa: DJ001

    history = HistoricalRecords()
    objects = ConditionQuerySet.as_manager()

    class Meta:
        ordering = ["order", "name"]
        permissions = [("publish_condition", "Can publish or unpublish conditions")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=Status.values), name="condition_status_valid"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.fill_derived()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("points:condition", args=[self.slug])

    def fill_derived(self):
        terms = [self.name, self.slug, *self.keywords.split(",")]
        self.search_terms = "|" + "|".join(fold(t) for t in terms if t.strip()) + "|"

    def citations_for(self, claim):
        return [c for c in self.citations.all() if c.claim == claim]


class Indication(models.Model):
    Role = IndicationRole

    Evidence = Evidence

    point = models.ForeignKey(Point, on_delete=models.CASCADE, related_name="indications")
    condition = models.ForeignKey(Condition, on_delete=models.CASCADE, related_name="indications")
    order = models.PositiveSmallIntegerField(default=0)
    role = models.CharField(max_length=12, choices=Role)
    note = models.TextField(blank=True, help_text="Why this point is used for this condition.")
    sources = models.ManyToManyField(Source, blank=True, related_name="indications")
    pressure = models.CharField(
        max_length=10,
        choices=Pressure,
        blank=True,
        help_text="Only if this condition needs a different pressure from the point's own; cite it below.",
    )
    pressure_source = models.ForeignKey(Source, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    pressure_locator = models.CharField(max_length=200, blank=True)
    evidence = models.CharField(max_length=12, choices=Evidence, default=Evidence.TRADITIONAL)
    evidence_source = models.ForeignKey(
        Source,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The trial or review; required for any label but traditional use.",
    )
    evidence_locator = models.CharField(max_length=200, blank=True)
    evidence_summary = models.CharField(
        max_length=300, blank=True, help_text="What it measured: population, comparison, result, in a few words."
    )
    content_key = models.CharField(max_length=160, unique=True, null=True, editable=False)  # noqa: DJ001

    version = models.PositiveIntegerField(default=1, editable=False, help_text="Goes up by one with every save.")

    history = HistoricalRecords(m2m_fields=[sources])

    class Meta:
        ordering = ["condition", "order"]
        constraints = [
            models.UniqueConstraint(fields=["condition", "point"], name="indication_unique"),
            models.CheckConstraint(condition=Q(role__in=IndicationRole.values), name="indication_role_valid"),
            models.CheckConstraint(
                condition=Q(pressure="") | (Q(pressure__in=Pressure.values) & Q(pressure_source__isnull=False)),
                name="indication_pressure_cited",
            ),
            models.CheckConstraint(
                condition=Q(evidence=Evidence.TRADITIONAL)
                | (Q(evidence__in=Evidence.values) & Q(evidence_source__isnull=False) & ~Q(evidence_summary="")),
                name="indication_evidence_cited",
            ),
        ]

    def __str__(self):
        return f"{self.point.code} for {self.condition.name}"

    def clean(self):
        if self.point_id and self.point.reference_only:
            raise ValidationError(
                {"point": "This point is listed only to correct a source; it cannot be a point to try."}
            )


class Citation(models.Model):
    Claim = CitationClaim

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="citations")
    claim = models.CharField(max_length=20, choices=Claim)
    point = models.ForeignKey(Point, null=True, blank=True, on_delete=models.CASCADE, related_name="citations")
    condition = models.ForeignKey(Condition, null=True, blank=True, on_delete=models.CASCADE, related_name="citations")
    locator = models.CharField(max_length=200, blank=True, help_text="Page, section or item in the source.")
    note = models.CharField(max_length=400, blank=True)
    content_key = models.CharField(max_length=160, unique=True, null=True, editable=False)  # noqa: DJ001

    version = models.PositiveIntegerField(default=1, editable=False, help_text="Goes up by one with every save.")

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(point__isnull=False) & Q(condition__isnull=True))
                | (Q(point__isnull=True) & Q(condition__isnull=False)),
                name="citation_cites_one_thing",
            ),
            models.CheckConstraint(condition=Q(claim__in=CitationClaim.values), name="citation_claim_valid"),
        ]

    def __str__(self):
        return f"{self.source.key}: {self.get_claim_display()}"


class DiscrepancyQuerySet(models.QuerySet):
    """A correction about a draft point or condition is part of that draft: never public."""

    def without_draft_points(self):
        return self.filter(Q(point__isnull=True) | Q(point__status=Status.PUBLISHED))

    def without_draft_conditions(self):
        return self.filter(Q(condition__isnull=True) | Q(condition__status=Status.PUBLISHED))

    def public(self):
        """The corrections a reader may see on the sources page."""
        return self.without_draft_points().without_draft_conditions()


class Discrepancy(models.Model):
    """What a source claims that differs from the accepted fact."""

    Severity = DiscrepancySeverity

    Display = DiscrepancyDisplay

    ref = models.CharField(
        max_length=10, unique=True, validators=[guards.discrepancy_ref], help_text="E1-E42 errors, C1-C9 conflicts."
    )
    order = models.PositiveSmallIntegerField(default=0)
    sources = models.ManyToManyField(Source, related_name="discrepancies")
    point = models.ForeignKey(Point, null=True, blank=True, on_delete=models.PROTECT, related_name="discrepancies")
    condition = models.ForeignKey(
        Condition, null=True, blank=True, on_delete=models.PROTECT, related_name="discrepancies"
    )
    severity = models.CharField(max_length=10, choices=Severity)
    claim = models.TextField(help_text="What the source says.")
    fact = models.TextField(help_text="The accepted fact.")
    fact_source = models.ForeignKey(Source, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    display = models.CharField(max_length=10, choices=Display, default=Display.SOURCES)
    content_key = models.CharField(max_length=160, unique=True, null=True, editable=False)  # noqa: DJ001

    version = models.PositiveIntegerField(default=1, editable=False, help_text="Goes up by one with every save.")

    history = HistoricalRecords(m2m_fields=[sources])
    objects = DiscrepancyQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "discrepancies"
        ordering = ["order"]
        constraints = [
            models.CheckConstraint(
                condition=Q(severity__in=DiscrepancySeverity.values), name="discrepancy_severity_valid"
            ),
            models.CheckConstraint(
                condition=Q(display__in=DiscrepancyDisplay.values), name="discrepancy_display_valid"
            ),
            models.CheckConstraint(
                condition=~Q(display="point") | Q(point__isnull=False), name="discrepancy_point_display_has_point"
            ),
            models.CheckConstraint(
                condition=~Q(display="condition") | Q(condition__isnull=False),
                name="discrepancy_condition_display_has_condition",
            ),
        ]

    def __str__(self):
        return f"{self.ref}: {self.claim[:60]}"

    @property
    def is_conflict(self):
        return self.ref.startswith("C")


class IllustrationQuerySet(models.QuerySet):
    def for_credits(self):
        """Every figure readers can see, with its region, for the sources page's credits (one query)."""
        return self.select_related("region").order_by("region__order", "order", "pk")

    def for_map(self):
        """Figures with the markers of all published points (a region page: figures that have
        no marker yet are drawn too), in two queries."""
        return self.prefetch_related(Prefetch("placements", queryset=Placement.objects.for_markers()))


class Illustration(models.Model):
    """A figure of a body region; markers are drawn by the page from placements."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="illustrations")
    slug = models.SlugField(unique=True, validators=[guards.url_slug])
    view = models.CharField(max_length=80, help_text='e.g. "back of hand".')
    static_path = models.CharField(
        max_length=200,
        blank=True,
        validators=[guards.validate_shipped_svg],
        help_text="Shipped SVG under static/, e.g. illustrations/back.svg.",
    )
    image = models.ImageField(upload_to="illustrations/", blank=True, width_field="width", height_field="height")
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    alt_text = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    credit = models.CharField(max_length=200)
    licence = models.CharField(max_length=100)
    order = models.PositiveSmallIntegerField(default=0)
    overview = models.BooleanField(
        default=False,
        help_text="An orientation figure: smaller markers, because close-up figures on the same page "
        "carry full-size touch targets for the same points.",
    )
    scale = models.JSONField(
        default=dict,
        blank=True,
        validators=[guards.validate_scale],
        help_text='Drawn to scale: {"cun": drawing units per cun, "from": landmark, "to": landmark, '
        '"length": cun between them by the WHO 2008 proportional measurement, "basis": that measurement in words}.',
    )
    landmarks = models.JSONField(
        default=list,
        blank=True,
        validators=[guards.validate_landmarks],
        help_text='The landmarks points are found by: [{"key": "l2-spinous", "name": "lower edge of the L2 '
        'spinous process", "x": 50.0, "y": 16.3}] (percent of the width and height).',
    )
    content_key = models.CharField(max_length=160, unique=True, null=True, editable=False)  # noqa: DJ001

    version = models.PositiveIntegerField(default=1, editable=False, help_text="Goes up by one with every save.")

    history = HistoricalRecords()
    objects = IllustrationQuerySet.as_manager()

    class Meta:
        ordering = ["region__order", "order"]

    def __str__(self):
        return f"{self.region.name}: {self.view}"

    def clean(self):
        super().clean()
        if self.static_path and not self.image:  # markers are placed in the drawing's own units
            path = guards.shipped_file(self.static_path)
            size = guards.svg_size(path) if path else None
            if size:
                self.width, self.height = size
        self._clean_scale()
        if self.pk:
            self._clean_measured_points()

    def _readable_scale(self):
        try:
            guards.validate_scale(self.scale)
            guards.validate_landmarks(self.landmarks)
        except ValidationError:
            return False
        return True

    def _clean_scale(self):
        """The declared measurement agrees with the drawing (points.measuring)."""
        if not self.scale or not self._readable_scale():
            return  # the fields' own validators speak
        marks = measuring.landmark_map(self.landmarks)
        missing = [self.scale.get(k) for k in ("from", "to") if self.scale.get(k) not in marks]
        if missing:
            raise ValidationError({"scale": f"The scale names a landmark the figure does not have: {missing[0]}."})
        miss = measuring.scale_miss(self.scale, self.landmarks, self.width or 100, self.height or 100)
        if miss is not None and miss > measuring.TOLERANCE_CUN:
            raise ValidationError(
                {
                    "scale": f"As drawn, {self.scale['from']} to {self.scale['to']} is {miss:.1f} cun off the "
                    f"{self.scale['length']:g} cun the scale says."
                }
            )

    def _clean_measured_points(self):
        """Moving or removing a landmark, or changing the scale, must not leave a point that is
        measured from it somewhere its offsets no longer say."""
        if not self._readable_scale():
            return  # the fields' own validators speak
        marks, cun = measuring.landmark_map(self.landmarks), (self.scale or {}).get("cun")
        width, height = self.width or 100, self.height or 100
        for placement in self.placements.exclude(landmark="").select_related("point"):
            if not cun:
                raise ValidationError(
                    {"scale": f"{placement.point.code} is measured on this figure in cun: keep its scale."}
                )
            mark = marks.get(placement.landmark)
            if mark is None:
                raise ValidationError(
                    {"landmarks": f"{placement.point.code} is measured from {placement.landmark}: keep that landmark."}
                )
            miss = measuring.miss_cun(mark, placement.dx, placement.dy, placement.x, placement.y, float(cun),
                                      width, height)  # fmt: skip
            if miss > measuring.TOLERANCE_CUN:
                raise ValidationError(
                    {
                        "landmarks": f"This would put {placement.point.code} ({placement.side}) {miss:.1f} cun from "
                        f"its marker: move the marker on the placement too, or keep {placement.landmark} where it is."
                    }
                )

    @cached_property
    def src(self):
        """Where the browser loads the drawing from ("" when its shipped file is missing:
        pages then leave the figure out)."""
        return self.image.url if self.image else guards.shipped_url(self.static_path)


class PlacementQuerySet(models.QuerySet):
    def for_markers(self, *, include_drafts=False):
        """Placements with what a marker shows of its point (code, name, region), in the
        order markers are drawn; published points only unless ``include_drafts``."""
        placements = self if include_drafts else self.filter(point__status=Status.PUBLISHED)
        return placements.select_related("point__region").order_by("point__order_key", "side")

    def for_map(self):
        """Placements with their figures, in one query, in drawing order: figures in page
        order, each figure's markers together. Filter on points the page already has:
        their rows are not selected again (``points.figures.figures_showing`` joins them)."""
        return self.select_related("illustration").order_by(
            "illustration__region__order", "illustration__order", "illustration_id", "point__order_key", "side"
        )


class Placement(models.Model):
    Side = PlacementSide

    point = models.ForeignKey(Point, on_delete=models.CASCADE, related_name="placements")
    illustration = models.ForeignKey(Illustration, on_delete=models.CASCADE, related_name="placements")
    x = models.DecimalField(max_digits=5, decimal_places=2, help_text="Percent of the figure's width, 0-100.")
    y = models.DecimalField(max_digits=5, decimal_places=2, help_text="Percent of the figure's height, 0-100.")
    side = models.CharField(max_length=10, choices=Side, default=Side.MIDLINE)
    landmark = models.CharField(
        max_length=60, blank=True, help_text="The figure's landmark the point is measured from (its key)."
    )
    dx = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True, help_text="Cun from the landmark, to the right."
    )
    dy = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True, help_text="Cun from the landmark, down the picture."
    )
    version = models.PositiveIntegerField(default=1, editable=False, help_text="Goes up by one with every save.")
    content_key = models.CharField(max_length=160, unique=True, null=True, editable=False)  # noqa: DJ001

    history = HistoricalRecords()
    objects = PlacementQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(x__gte=0) & Q(x__lte=100), name="placement_x_0_100"),
            models.CheckConstraint(condition=Q(y__gte=0) & Q(y__lte=100), name="placement_y_0_100"),
            # one marker per spot (EX-UE7 has two spots on the same hand)
            models.UniqueConstraint(fields=["point", "illustration", "x", "y"], name="placement_unique_spot"),
        ]

    def __str__(self):
        return f"{self.point.code} on {self.illustration}"

    def clean(self):
        """An edit keeps a measured point's offsets in step with its spot (the guide follows
        the marker); moved to a figure without its landmark, it is no longer measured."""
        super().clean()
        figure = self.illustration if self.illustration_id else None
        if not self.landmark:  # "not measured": no offsets either
            self.dx = self.dy = None
        if figure is not None and self.landmark:
            mark = measuring.landmark_map(figure.landmarks).get(self.landmark)
            cun = (figure.scale or {}).get("cun")
            if mark is None:
                self.landmark, self.dx, self.dy = "", None, None
            elif cun and self.x is not None and self.y is not None:
                width, height = figure.width or 100, figure.height or 100
                dx, dy = measuring.offsets_from(mark, self.x, self.y, float(cun), width, height)
                self.dx, self.dy = Decimal(str(dx)), Decimal(str(dy))
        self.clean_landmark(figure)

    def clean_landmark(self, illustration):
        """A point stated as a landmark plus offsets in cun sits where they put it on ``illustration``."""
        if not (self.landmark or self.dx is not None or self.dy is not None):
            return
        if not self.landmark or self.dx is None or self.dy is None:
            raise ValidationError("Give the landmark and both offsets (dx, dy in cun), or none of them.")
        if illustration is None:
            return
        mark = measuring.landmark_map(illustration.landmarks).get(self.landmark)
        if mark is None:
            raise ValidationError(f"The figure {illustration.slug} has no landmark called {self.landmark}.")
        cun = (illustration.scale or {}).get("cun")
        if not cun or self.x is None or self.y is None:
            return
        width, height = illustration.width or 100, illustration.height or 100
        miss = measuring.miss_cun(mark, self.dx, self.dy, self.x, self.y, float(cun), width, height)
        if miss > measuring.TOLERANCE_CUN:
            dx, dy = measuring.offsets_from(mark, self.x, self.y, float(cun), width, height)
            raise ValidationError(
                f"The marker is {miss:.1f} cun from where {self.landmark} and these offsets put it: "
                f"at this x and y the offsets are dx {dx:g}, dy {dy:g}."
            )


class ContentVersion(models.Model):
    """One row: goes up with every content change; page cache keys and ETags contain it."""

    version = models.PositiveBigIntegerField(default=1)

    def __str__(self):
        return f"content version {self.version}"

    @classmethod
    def current(cls):
        row = cls.objects.filter(pk=1).values_list("version", flat=True).first()
        return row if row is not None else 1


class RevisionStatus(models.TextChoices):
    PENDING = "pending", "Waiting for review"
    APPROVED = "approved", "Approved and published"
    REJECTED = "rejected", "Rejected"


class RevisionQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=RevisionStatus.PENDING)

    def for_queue(self):
        """The review queue: what waits first, oldest first, with who proposed it."""
        return self.select_related("editor", "reviewer").order_by(
            models.Case(models.When(status=RevisionStatus.PENDING, then=0), default=1), "-created_at"
        )


class Revision(models.Model):
    """A proposed change to published content, waiting for a second person (points/review.py).

    ``changes`` is the whole change as a list of operations, each
    ``{"op": "change" | "add" | "delete", "model": "point", "pk": 12, "version": 3,
    "fields": {"summary": "..."}}``: ``version`` is the record's version when the change
    was proposed, so an approval after someone else changed the record is refused."""

    Status = RevisionStatus

    title = models.CharField(max_length=200, help_text="What the change is to, e.g. “BL23 Shenshu”.")
    target_model = models.CharField(max_length=40)
    target_pk = models.PositiveBigIntegerField(null=True, blank=True)
    changes = models.JSONField()
    reason = models.CharField(max_length=400)
    editor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="revisions")
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="reviewed_revisions"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(max_length=400, blank=True)
    report = models.ForeignKey(
        "Report", null=True, blank=True, on_delete=models.SET_NULL, related_name="revisions",
        help_text="The reader report this change came from.",
    )  # fmt: skip

    objects = RevisionQuerySet.as_manager()

    class Meta:
        verbose_name = "proposed change"
        permissions = [("review_revision", "Can approve or reject proposed changes")]
        indexes = [models.Index(fields=["status", "target_model", "target_pk"], name="revision_queue")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=RevisionStatus.values), name="revision_status_valid")
        ]

    def __str__(self):
        return f"{self.title}: {self.reason[:60]}"


# Reader reports ("Is something wrong here?"): points/reports.py. Not content: no history
# record (a report never raises the content version or changes what a reader sees).


class ReportKind(models.TextChoices):
    LOCATION = "location", "The location"
    WORDING = "wording", "The wording"
    SAFETY = "safety", "A safety problem"
    OTHER = "other", "Something else"


class ReportStatus(models.TextChoices):
    NEW = "new", "New"
    REVISED = "revised", "Turned into a revision"
    DISMISSED = "dismissed", "Dismissed"


REPORT_DETAILS_MAX = 1000


class Report(models.Model):
    """What a reader says is wrong on a point's page. Never shown publicly; reviewers read it."""

    Kind = ReportKind

    Status = ReportStatus

    point = models.ForeignKey(Point, on_delete=models.CASCADE, related_name="reports")
    kind = models.CharField(max_length=10, choices=Kind)
    details = models.TextField(max_length=REPORT_DETAILS_MAX, blank=True)
    # "tap where you think it is": the figure tapped (one of the point's placements) and the spot
    placement = models.ForeignKey(Placement, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports")
    x = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True, help_text="Percent of the width.")
    y = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True, help_text="Percent of the height.")
    created = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status, default=Status.NEW)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handled = models.DateTimeField(null=True, blank=True)
    # A keyed hash of the sender's address (points.reports.address_hash), for the rate limit only:
    # never the address itself, so a report cannot be traced back to a reader.
    sender = models.CharField(max_length=32, editable=False, default="")

    class Meta:
        ordering = ["-created"]
        indexes = [
            models.Index(fields=["status", "created"], name="report_status_created"),
            models.Index(fields=["sender", "created"], name="report_sender_created"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ReportKind.values), name="report_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=ReportStatus.values), name="report_status_valid"),
            models.CheckConstraint(
                condition=Q(x__isnull=True, y__isnull=True) | Q(x__gte=0, x__lte=100, y__gte=0, y__lte=100),
                name="report_tap_in_the_figure",
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("details"), REPORT_DETAILS_MAX), name="report_details_length"
            ),
        ]

    def __str__(self):
        return f"Report {self.pk} on {self.point.code}: {self.get_kind_display().lower()}"

    @property
    def has_tap(self):
        return self.x is not None and self.y is not None and self.placement_id is not None
