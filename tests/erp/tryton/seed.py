"""Seed a fresh Tryton database for weft's integration tests (run with the venv's python).

    python seed.py TRYTOND_CONF DB

Idempotent: everything is searched before it is created. Creates the USD currency, the company
"Weft Test Shop" (admin attached), warehouses WH2 and WH3 next to the stock module's WH, a small
catalogue (codes `TT-...`, some templates with variants), on-hand stock per warehouse, one planned
supplier move (incoming), one confirmed sale (reserved), and the sales taxes order tax lines map to
(10 % and 20 %, posting to one tax account), EUR beside USD with rates. Prints KEY=VALUE lines for the env file.
"""
import datetime as dt
import sys
from decimal import Decimal

from trytond import config

config.update_etc(sys.argv[1])
from trytond.pool import Pool  # noqa: E402  (config must be loaded first)
from trytond.transaction import Transaction, TransactionError  # noqa: E402

DB = sys.argv[2]
# (template code, name, list price, cost, {variant suffix: {warehouse code: on hand}})
CATALOGUE = [
    ('TT-TEE', 'Tryton Tee', '19.90', '7.50', {'-S': {'WH': 40, 'WH2': 5}, '-M': {'WH': 25}, '-L': {'WH2': 12, 'WH3': 3}}),
    ('TT-MUG', 'Tryton Mug', '9.50', '3.10', {'': {'WH': 12, 'WH3': 30}}),
    ('TT-CAP', 'Tryton Cap', '14.00', '4.00', {'-RED': {'WH': 8}, '-BLUE': {'WH2': 9}}),
    ('TT-STICKER', 'Sticker pack', '3.00', '0.40', {'': {'WH': 300, 'WH2': 150, 'WH3': 75}}),
    ('TT-HOODIE', 'Tryton Hoodie', '49.00', '21.00', {'-M': {'WH': 6}, '-L': {'WH': 4}, '-XL': {}}),
    ('TT-BAG', 'Tote bag', '12.00', '2.50', {'': {'WH3': 20}}),
    ('TT-PEN', 'Pen', '2.50', '0.30', {'': {'WH': 500}}),
    ('TT-BOOK', 'Tryton handbook', '35.00', '12.00', {'': {'WH2': 7}}),
]
# Currencies a sale may be in (the buyer's): code, name, symbol, rate against the company's USD.
CURRENCIES = [('USD', 'US Dollar', '$', '1'), ('EUR', 'Euro', '€', '0.92')]
# Sales taxes (name, rate): the connector maps a Shopify tax line to the Tryton tax of its rate.
TAXES = [('VAT 10%', '0.10'), ('VAT 20%', '0.20')]


def main():
    Pool.start()
    pool = Pool(DB)
    with Transaction().start(DB, 0, readonly=True):
        pool.init()
    company_id = in_transaction(lambda: setup_company(pool).id, {})

    def rest():
        company = pool.get('company.company')(company_id)
        warehouses = setup_warehouses(pool)
        products = setup_catalogue(pool)
        setup_stock(pool, warehouses, products)
        setup_planned_moves(pool, warehouses, products, company)
        setup_taxes(pool, company)
        setup_currencies(pool)
        return ','.join(str(w.id) for w in warehouses.values())
    ids = in_transaction(rest, {'company': company_id})
    print(f'WEFT_TRYTON_COMPANY={company_id}')
    print(f'WEFT_TRYTON_WAREHOUSES={ids}')


def in_transaction(fn, context):
    """Run fn in a committed transaction, retrying as trytond's own dispatcher does when a
    transaction asks to be restarted with more locks."""
    extras = {}
    while True:
        with Transaction().start(DB, 0, context=context, **extras) as transaction:
            try:
                result = fn()
                transaction.commit()
                return result
            except TransactionError as error:
                transaction.rollback()
                error.fix(extras)


def setup_currencies(pool):
    """The currencies of CURRENCIES, each with a rate from 2020 on."""
    Currency, Rate = map(pool.get, ['currency.currency', 'currency.currency.rate'])
    for code, name, symbol, rate in CURRENCIES:
        currency = Currency.search([('code', '=', code)]) or Currency.create([{
            'name': name, 'code': code, 'symbol': symbol, 'rounding': Decimal('0.01'), 'digits': 2}])
        if not Rate.search([('currency', '=', currency[0].id)]):
            Rate.create([{'currency': currency[0].id, 'date': dt.date(2020, 1, 1), 'rate': Decimal(rate)}])


def setup_taxes(pool, company):
    """The sales taxes of TAXES, posting to one balance-sheet account (Tryton requires one)."""
    Type, Account, Tax = map(pool.get, ['account.account.type', 'account.account', 'account.tax'])
    kind = Type.search([('name', '=', 'Taxes')]) or Type.create([{
        'name': 'Taxes', 'statement': 'balance', 'company': company.id}])
    account = Account.search([('code', '=', 'TAX')]) or Account.create([{
        'name': 'Taxes collected', 'code': 'TAX', 'type': kind[0].id, 'company': company.id}])
    for name, rate in TAXES:
        if not Tax.search([('name', '=', name)]):
            Tax.create([{'name': name, 'description': name, 'type': 'percentage', 'rate': Decimal(rate),
                         'company': company.id, 'invoice_account': account[0].id,
                         'credit_note_account': account[0].id}])


def setup_company(pool):
    Currency, Party, Company, User = map(pool.get, [
        'currency.currency', 'party.party', 'company.company', 'res.user'])
    usd = Currency.search([('code', '=', 'USD')]) or Currency.create([{
        'name': 'US Dollar', 'code': 'USD', 'symbol': '$', 'rounding': Decimal('0.01'), 'digits': 2}])
    company = Company.search([]) or Company.create([{
        'party': Party.create([{'name': 'Weft Test Shop'}])[0].id, 'currency': usd[0].id}])
    admin, = User.search([('login', '=', 'admin')])
    if admin.company != company[0]:
        User.write([admin], {'companies': [('add', [company[0].id])], 'company': company[0].id})
    return company[0]


def setup_warehouses(pool):
    """WH (made by the stock module), WH2 and WH3, each with its zones and lost-and-found."""
    Location = pool.get('stock.location')
    lost_found, = Location.search([('type', '=', 'lost_found')], limit=1)
    result = {}
    for code in ('WH', 'WH2', 'WH3'):
        found = Location.search([('code', '=', code), ('type', '=', 'warehouse')])
        if found:
            wh = found[0]
        else:
            zones = Location.create([
                {'name': f'{code} Input', 'type': 'storage'},
                {'name': f'{code} Output', 'type': 'storage'},
                {'name': f'{code} Storage', 'code': f'STO-{code}', 'type': 'storage'}])
            wh, = Location.create([{
                'name': f'Warehouse {code}', 'code': code, 'type': 'warehouse',
                'input_location': zones[0].id, 'output_location': zones[1].id,
                'storage_location': zones[2].id}])
        if not wh.lost_found_location:
            Location.write([wh], {'lost_found_location': lost_found.id})
        result[code] = wh
    return result


def setup_catalogue(pool):
    Template, Product, Uom = map(pool.get, ['product.template', 'product.product', 'product.uom'])
    unit, = Uom.search([('symbol', '=', 'u')])
    products = {}
    for code, name, price, cost, variants in CATALOGUE:
        if not Template.search([('code', '=', code)]):
            Template.create([{
                'name': name, 'code': code, 'type': 'goods', 'default_uom': unit.id,
                'list_price': Decimal(price), 'salable': True, 'sale_uom': unit.id,
                'products': [('create', [{'suffix_code': suffix, 'cost_price': Decimal(cost)}
                                         for suffix in variants])]}])
        for suffix in variants:
            products[code + suffix], = Product.search([('code', '=', code + suffix)])
    return products


def setup_stock(pool, warehouses, products):
    """One confirmed inventory per warehouse storage zone, made once."""
    Inventory = pool.get('stock.inventory')
    for wh_code, wh in warehouses.items():
        if Inventory.search([('location', '=', wh.storage_location.id)]):
            continue
        lines = [{'product': products[code + suffix].id, 'quantity': qty}
                 for code, _, _, _, variants in CATALOGUE
                 for suffix, stock in variants.items()
                 for w, qty in stock.items() if w == wh_code]
        if lines:
            inventory, = Inventory.create([{
                'location': wh.storage_location.id, 'date': dt.date.today(),
                'lines': [('create', lines)]}])
            Inventory.confirm([inventory])


def setup_planned_moves(pool, warehouses, products, company):
    """Incoming: 20 TT-MUG planned from the supplier into WH. Reserved: 2 TT-TEE-S on a confirmed
    sale from WH (its shipment waits, so the stock stays on hand)."""
    Move, Location, Party, Sale = map(pool.get, ['stock.move', 'stock.location', 'party.party', 'sale.sale'])
    supplier, = Location.search([('type', '=', 'supplier')], limit=1)
    wh = warehouses['WH']
    mug = products['TT-MUG']
    if not Move.search([('product', '=', mug.id), ('from_location', '=', supplier.id)]):
        move, = Move.create([{
            'product': mug.id, 'unit': mug.default_uom.id, 'quantity': 20,
            'from_location': supplier.id, 'to_location': wh.input_location.id,
            'planned_date': dt.date.today() + dt.timedelta(days=7), 'company': company.id,
            'unit_price': Decimal('3.10'), 'currency': company.currency.id}])
    if not Sale.search([('reference', '=', 'SEED-RESERVED')]):
        party, = Party.search([('code', '=', 'SEED-CUSTOMER')]) or Party.create([{
            'name': 'Seed Customer', 'code': 'SEED-CUSTOMER',
            'addresses': [('create', [{'street': '1 Seed St', 'city': 'Seedville'}])]}])
        tee = products['TT-TEE-S']
        sale, = Sale.create([{
            'party': party.id, 'invoice_address': party.addresses[0].id,
            'shipment_address': party.addresses[0].id, 'warehouse': wh.id,
            'currency': company.currency.id, 'reference': 'SEED-RESERVED',
            'invoice_method': 'manual', 'shipment_method': 'order',
            'lines': [('create', [{'type': 'line', 'product': tee.id, 'quantity': 2,
                                   'unit': tee.default_uom.id, 'unit_price': Decimal('19.90')}])]}])
        Sale.quote([sale])
        Sale.confirm([sale])
    # Outside a server, confirm only queues the processing that creates the shipment: run it.
    Sale.process(Sale.search([('reference', '=', 'SEED-RESERVED'), ('state', '=', 'confirmed')]))


if __name__ == '__main__':
    main()
