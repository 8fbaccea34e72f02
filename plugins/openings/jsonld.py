"""Opening -> schema.org JobPosting, following Google's job posting guidelines.

Only open roles get one: a role that no longer takes applications must not carry
JobPosting markup (the page shows a closed banner and is noindex instead).
"""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlsplit

from plugins.site_extras.urls import absolute_url, site_host

from .model import Opening, country_name

CONFIDENTIAL_EMPLOYER = "Confidential"


def render_job_posting(opening: Opening, settings: dict, image=None) -> dict:
    """The JobPosting dict for one open role's page (embed with script_safe_json).

    ``image``: the role's share card (anything with a ``url``), shown as its ``image``.
    """
    url = absolute_url(settings, opening.url)
    data: dict = {
        "@context": "https://schema.org",
        "@type": "JobPosting",
        "title": opening.title,
        "description": opening.description,
        "datePosted": opening.date.isoformat(),
    }
    if opening.valid_through is not None:
        data["validThrough"] = opening.valid_through.isoformat()
    data["hiringOrganization"] = hiring_organization(opening)
    data.update(job_location(opening))
    data["employmentType"] = (
        opening.employment_types[0]
        if len(opening.employment_types) == 1
        else list(opening.employment_types)
    )
    if opening.salary is not None:
        data["baseSalary"] = base_salary(opening)
    data["identifier"] = {
        "@type": "PropertyValue",
        "name": settings.get("RECRUITER", {}).get("company") or settings["SITENAME"],
        "value": opening.ref,
    }
    data["directApply"] = is_direct_apply(opening, settings)
    data["url"] = url
    if image is not None:
        data["image"] = image.url
    return data


def hiring_organization(opening: Opening) -> dict:
    if opening.confidential:
        return {"@type": "Organization", "name": CONFIDENTIAL_EMPLOYER}
    organization = {"@type": "Organization", "name": opening.company}
    if opening.company_url:
        organization["sameAs"] = opening.company_url
    return organization


def job_location(opening: Opening) -> dict:
    """jobLocation Places; remote roles: TELECOMMUTE with the countries applicants may live in."""
    data: dict = {}
    places = [
        {
            "@type": "Place",
            "address": {
                "@type": "PostalAddress",
                "addressLocality": location.city,
                "addressRegion": location.region,
                "addressCountry": location.country,
            },
        }
        for location in opening.locations
    ]
    if places:
        data["jobLocation"] = places[0] if len(places) == 1 else places
    if opening.is_remote:
        data["jobLocationType"] = "TELECOMMUTE"
        countries = [
            {"@type": "Country", "name": country_name(code)} for code in opening.applicant_countries
        ]
        if countries:
            data["applicantLocationRequirements"] = (
                countries[0] if len(countries) == 1 else countries
            )
    return data


def base_salary(opening: Opening) -> dict:
    salary = opening.salary
    value: dict = {"@type": "QuantitativeValue"}
    if salary.minimum is not None:
        value["minValue"] = _number(salary.minimum)
    if salary.maximum is not None:
        value["maxValue"] = _number(salary.maximum)
    value["unitText"] = salary.unit
    return {"@type": "MonetaryAmount", "currency": salary.currency, "value": value}


def is_direct_apply(opening: Opening, settings: dict) -> bool:
    """True when the apply link completes the application on this site itself."""
    if not opening.apply_url:
        return False
    host = site_host(settings)
    return bool(host) and urlsplit(opening.apply_url).hostname == host


def _number(amount: Decimal) -> int | float:
    return int(amount) if amount == amount.to_integral_value() else float(amount)
