from smedi.cli import main

raise SystemExit(main())
