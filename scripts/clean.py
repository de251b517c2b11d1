"""make clean: drop the cached template databases and the scratch databases."""

from odoo_env import Odoo


def main():
    odoo = Odoo()
    names = odoo.psql(
        "SELECT datname FROM pg_database WHERE datname LIKE 'pst\\_%'"
    ).split()
    for name in names:
        print(f"clean: dropping {name}")
        odoo.drop_db(name)


if __name__ == "__main__":
    main()
