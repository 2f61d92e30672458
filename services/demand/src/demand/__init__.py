"""Demand service: national needs in, bundles (joint orders, framework contracts) out."""
