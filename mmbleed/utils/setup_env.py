# Copyright (c) mmbleed contributors. All rights reserved.
"""Register every mmbleed component and set mmbleed as the default scope."""
import datetime
import warnings

from mmengine import DefaultScope


def register_all_modules(init_default_scope: bool = True) -> None:
    """Import every mmbleed module that registers components.

    Args:
        init_default_scope (bool): also make ``'mmbleed'`` the default scope, so configs
            may omit the ``mmbleed.`` prefix. Defaults to True.
    """
    import mmbleed.codecs  # noqa: F401,F403
    import mmbleed.compat  # noqa: F401,F403
    import mmbleed.datasets  # noqa: F401,F403
    import mmbleed.evaluation  # noqa: F401,F403
    import mmbleed.models  # noqa: F401,F403

    if not init_default_scope:
        return
    never_created = DefaultScope.get_current_instance() is None \
        or not DefaultScope.check_instance_created('mmbleed')
    if never_created:
        DefaultScope.get_instance('mmbleed', scope_name='mmbleed')
        return
    current_scope = DefaultScope.get_current_instance()
    if current_scope.scope_name != 'mmbleed':
        warnings.warn('The current default scope '
                      f'"{current_scope.scope_name}" is not "mmbleed", '
                      '`register_all_modules` will force the current'
                      'default scope to be "mmbleed". If this is not '
                      'expected, please set `init_default_scope=False`.')
        # avoid name conflict
        new_instance_name = f'mmbleed-{datetime.datetime.now()}'
        DefaultScope.get_instance(new_instance_name, scope_name='mmbleed')
