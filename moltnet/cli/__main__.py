from moltnet.cli import main

raise SystemExit(main())
