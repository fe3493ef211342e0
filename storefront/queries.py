"""The GraphQL documents the storefront sends: public names of the gateway's schema only."""

from __future__ import annotations

PART_SUMMARY = """
fragment PartSummary on Part {
  id sku title(locale: $locale) category condition oemNumbers available warrantyMonths
  price { amount currency formatted }
  eligibility(country: $country) { eligible missingSchemes }
  images { thumbnailUrl thumbnailWidth thumbnailHeight }
}"""

SEARCH = (
    """
query Search(
  $search: String, $filter: PartFilter, $after: String, $sort: PartSort, $country: String!, $locale: String,
  $vehicle: VehicleInput = {}, $withVehicle: Boolean = false, $make: String, $model: String
) {
  fitmentOptions(make: $make, model: $model) { makes models years }
  parts(search: $search, filter: $filter, first: 20, after: $after, sort: $sort) {
    facets {
      total exhaustive
      category { value count }
      condition { value count }
      make { value count }
    }
    edges { node { ...PartSummary fits(vehicle: $vehicle) @include(if: $withVehicle) } }
    pageInfo { hasNextPage endCursor }
    restrictions { condition measure }
  }
}"""
    + PART_SUMMARY
)

PART = """
query Part(
  $id: ID!, $country: String!, $locale: String, $otherLocale: String,
  $vehicle: VehicleInput = {}, $withVehicle: Boolean = false
) {
  part(id: $id) {
    fits(vehicle: $vehicle) @include(if: $withVehicle)
    id sku category condition brand oemNumbers interchangeNumbers available warrantyMonths
    weightGrams hsCode countryOfOrigin co2eSavedKg listed
    title(locale: $locale)
    otherTitle: title(locale: $otherLocale)
    description(locale: $locale)
    price { amount currency formatted }
    coreCharge { amount currency formatted }
    fitments { make model yearFrom yearTo engineCode }
    images { url width height thumbnailUrl thumbnailWidth thumbnailHeight }
    supplier { id nameEn nameZh verified }
    certificates { id scheme number issuingBody status validFrom validUntil }
    eligibility(country: $country) {
      country eligible missingSchemes requiredSchemes
      expiringSoon { scheme number validUntil }
    }
  }
}"""


def converted_prices(count: int) -> str:
    """Prices of up to `count` parts in one currency, each part by its own `node` field:
    a failed conversion nulls that field only, never the page that asked."""
    variables = ", ".join(f"$id{i}: ID!" for i in range(count))
    fields = "\n".join(
        f"  p{i}: node(id: $id{i}) {{ ... on Part {{ price(currency: $currency) {{ formatted }} "
        f"coreCharge(currency: $currency) {{ formatted }} }} }}"
        for i in range(count)
    )
    return f"query Prices($currency: String!, {variables}) {{\n{fields}\n}}"


def landed_estimates(count: int) -> str:
    """Estimated landed prices of up to `count` parts to one country, each part by its own
    `node` field (the gateway still asks the orders service once for all of them)."""
    variables = ", ".join(f"$id{i}: ID!" for i in range(count))
    fields = "\n".join(
        f"  p{i}: node(id: $id{i}) {{ ... on Part {{ landedEstimate(country: $country, currency: $currency) "
        f"{{ cheapest {{ service transitDays total {{ formatted }} }} unavailable }} }} }}"
        for i in range(count)
    )
    return f"query Estimates($country: String!, $currency: String!, {variables}) {{\n{fields}\n}}"


VERIFY = """
query Verify($scheme: String!, $number: String!) {
  verifyCertificate(scheme: $scheme, number: $number) {
    status holderName scope validFrom validUntil issuingBody
  }
}"""

VIEWER = """
query Viewer { viewer { account { email role supplier { id nameEn nameZh verified } } } }"""

SUPPLIER_PARTS = (
    """
query SupplierParts($after: String, $country: String!, $locale: String) {
  viewer {
    account {
      email role
      supplier {
        id nameEn nameZh verified
        parts(first: 50, after: $after) {
          edges { node { ...PartSummary } }
          pageInfo { hasNextPage endCursor }
        }
      }
    }
  }
}"""
    + PART_SUMMARY
)

SUPPLIER_PART = """
query SupplierPart($id: ID!) {
  viewer { account { email role supplier { id nameEn nameZh verified } } }
  part(id: $id) {
    id sku category condition brand oemNumbers interchangeNumbers available warrantyMonths weightGrams hsCode
    titleEn: title(locale: "en") titleZh: title(locale: "zh")
    descriptionEn: description(locale: "en") descriptionZh: description(locale: "zh")
    price { amount } coreCharge { amount }
    fitments { make model yearFrom yearTo engineCode }
    images { id thumbnailUrl thumbnailWidth thumbnailHeight }
    supplier { id }
  }
}"""

SUPPLIER_CERTIFICATES = """
query SupplierCertificates($after: String) {
  viewer { account { email role supplier { id nameEn nameZh verified } } }
  myCertificates(first: 50, after: $after) {
    edges {
      node {
        id scheme number issuingBody status validFrom validUntil categories
        document { sizeBytes uploadedAt }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}"""

LOGIN = """
mutation Login($email: String!, $password: String!) {
  login(email: $email, password: $password) { token refreshToken account { role } }
}"""

REQUEST_PASSWORD_RESET = """
mutation RequestPasswordReset($email: String!) { requestPasswordReset(email: $email) }"""

RESET_PASSWORD = """
mutation ResetPassword($token: String!, $password: String!) { resetPassword(token: $token, newPassword: $password) }"""

REGISTER = """
mutation Register($input: RegisterInput!) {
  register(input: $input) { token refreshToken account { role } }
}"""

CREATE_PART = """
mutation CreatePart($input: PartInput!) { createPart(input: $input) { id sku } }"""

UPDATE_PART = """
mutation UpdatePart($id: ID!, $input: PartPatch!) { updatePart(id: $id, input: $input) { id sku } }"""

SET_STOCK = """
mutation SetStock($partId: ID!, $onHand: Int!) { setStock(partId: $partId, onHand: $onHand) { id sku available } }"""

IMPORT_PARTS = """
mutation ImportParts($csv: String!, $locale: String) {
  importParts(csv: $csv, locale: $locale) { created updated errors { line field code message } }
}"""
IMPORT_TEMPLATE = "query PartImportTemplate { partImportTemplate }"

ADD_CERTIFICATE = """
mutation AddCertificate($input: CertificateInput!) {
  addCertificate(input: $input) { id scheme number issuingBody status validFrom validUntil }
}"""

UPLOAD_PART_IMAGE = """
mutation UploadPartImage($partId: ID!, $file: Upload!) {
  uploadPartImage(partId: $partId, file: $file) { id sku images { id } }
}"""
REMOVE_PART_IMAGE = """
mutation RemovePartImage($partId: ID!, $imageId: ID!) { removePartImage(partId: $partId, imageId: $imageId) { id } }"""
UPLOAD_CERTIFICATE_DOCUMENT = """
mutation UploadCertificateDocument($certificateId: ID!, $file: Upload!) {
  uploadCertificateDocument(certificateId: $certificateId, file: $file) { id scheme number document { sizeBytes } }
}"""

SUPPLIER_SETTLEMENTS = """
query SupplierSettlements($after: String) {
  viewer { account { email role supplier { id nameEn nameZh verified } } }
  settlements(first: 20, after: $after) {
    edges { node { id createdAt deliveredFrom deliveredUntil lineCount total { formatted } } }
    pageInfo { hasNextPage endCursor }
  }
}"""

SUPPLIER_SETTLEMENT = """
query SupplierSettlement($id: ID!) {
  viewer { account { email role supplier { id nameEn nameZh verified } } }
  settlement(id: $id) {
    id createdAt cutoff deliveredFrom deliveredUntil lineCount
    total { formatted }
    lines {
      orderReference sku quantity deliveredAt
      goods { formatted } platformFee { formatted } payable { formatted }
    }
  }
}"""

SETTLEMENT_CSV = """
query SettlementCsv($id: ID!) { settlement(id: $id) { id createdAt csv } }"""
