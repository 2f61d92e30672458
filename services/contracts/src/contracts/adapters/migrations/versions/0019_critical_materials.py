"""critical materials and components as reference data: category, risk level, main
origins; seeded with the dependencies the action agenda on supply security names
(graphite, aluminium, titanium, rocket propellants, cryostats, composites) and other
well-known ones; origin shares are indicative, and left out where not well known

Revision ID: 0019
Revises: 0018
"""

from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

SEEDED_AT = datetime(2026, 1, 1, tzinfo=timezone.utc)
INDICATIVE = 'Origin shares are indicative (rounded world shares from public surveys such as USGS and the EU critical raw materials study); check before relying on them.'

# name, category, risk, origins (alpha-3: share of world supply), note
SEED = [
    ('graphite', 'raw_material', 'critical', {'CHN': 0.77},
     'Natural graphite mining; anodes, refractories, propellant and explosive components. ' + INDICATIVE),
    ('aluminium', 'raw_material', 'medium', {'CHN': 0.58, 'IND': 0.06, 'RUS': 0.05, 'CAN': 0.04},
     'Primary aluminium smelting; airframes, vehicles, munitions. ' + INDICATIVE),
    ('titanium', 'raw_material', 'high', {'CHN': 0.65, 'JPN': 0.17, 'RUS': 0.06, 'KAZ': 0.05},
     'Titanium sponge; airframes, armour, engines. ' + INDICATIVE),
    ('tungsten', 'raw_material', 'critical', {'CHN': 0.8},
     'Mining; penetrators, hard metals. ' + INDICATIVE),
    ('gallium', 'raw_material', 'critical', {'CHN': 0.98},
     'Primary gallium; GaN radar and electronic-warfare electronics; Chinese export controls since 2023. ' + INDICATIVE),
    ('germanium', 'raw_material', 'high', {'CHN': 0.6},
     'Refined germanium; infrared optics. ' + INDICATIVE),
    ('rocket propellant', 'raw_material', 'high', {},
     'Solid rocket motor propellant; European production capacity is the bottleneck. Origins not recorded.'),
    ('nitrocellulose', 'semi_finished_good', 'high', {},
     'Base of gun and rocket propellants; made from cotton linter or wood pulp. Origins not recorded: not well known.'),
    ('cryostat', 'semi_finished_good', 'high', {},
     'Cooling of infrared seekers and sensors; few makers. Origins not recorded: not well known.'),
    ('composites', 'semi_finished_good', 'medium', {},
     'Carbon-fibre and other composites; airframes, motor cases, armour. Origins not recorded: not well known.'),
    ('rare-earth magnets', 'component', 'critical', {'CHN': 0.9},
     'Sintered NdFeB magnets; actuators, motors, guidance. ' + INDICATIVE),
]


def upgrade() -> None:
    materials = op.create_table(
        'materials',
        sa.Column('name', sa.String(80), primary_key=True),
        sa.Column('category', sa.String(30), nullable=False),
        sa.Column('risk', sa.String(20), nullable=False),
        sa.Column('origins', sa.JSON(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('revised_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('revised_by', sa.String(80), nullable=False),
    )
    op.bulk_insert(
        materials,
        [
            {'name': name, 'category': category, 'risk': risk, 'origins': origins, 'note': note,
             'revised_at': SEEDED_AT, 'revised_by': 'seed'}
            for name, category, risk, origins, note in SEED
        ],
    )


def downgrade() -> None:
    op.drop_table('materials')
